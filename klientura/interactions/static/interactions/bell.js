/* The notification bell: pop-ups for notifications that arrive while the page is open, and the unread
   count in the tab's title. The badge itself is refreshed by htmx (interactions/_bell.html). */
(function () {
  "use strict";
  var baseTitle = document.title;

  function showNewToasts() {
    document.querySelectorAll("[data-bell-toast]:not([data-shown])").forEach(function (element) {
      element.setAttribute("data-shown", "1");
      element.addEventListener("hidden.bs.toast", function () { element.remove(); });
      window.bootstrap.Toast.getOrCreateInstance(element).show();
    });
  }

  function showUnreadInTitle() {
    var badge = document.getElementById("bell-badge");
    var unread = badge ? parseInt(badge.getAttribute("data-unread") || "0", 10) : 0;
    document.title = unread > 0 ? "(" + (unread > 99 ? "99+" : unread) + ") " + baseTitle : baseTitle;
  }

  function refresh() {
    showNewToasts();
    showUnreadInTitle();
  }

  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("htmx:oobAfterSwap", refresh);
})();
