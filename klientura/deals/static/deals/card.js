/* The deal card: the "Lost" dialog opens by itself when the board sent a loss here (?lose=1). */
(function () {
  "use strict";
  const dialog = document.getElementById("lose-dialog");
  if (dialog && dialog.hasAttribute("data-open")) bootstrap.Modal.getOrCreateInstance(dialog).show();
})();
