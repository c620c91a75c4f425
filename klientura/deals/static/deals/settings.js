/* Deal kind settings: drag the stages into a new order; the server stores it (or says why not). */
(function () {
  "use strict";
  const list = document.querySelector("[data-testid=stage-list]");
  if (!list) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const toast = document.getElementById("settings-toast");
  function order() {
    return Array.prototype.map.call(list.querySelectorAll("[data-stage-id]"), function (li) { return li.dataset.stageId; });
  }
  let before = order();
  Sortable.create(list, {
    handle: ".drag-handle",
    animation: 150,
    onEnd: function () {
      const ids = order();
      const body = new URLSearchParams();
      ids.forEach(function (id) { body.append("stage", id); });
      fetch(list.dataset.reorderUrl, {method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrf, "Accept": "application/json"}})
        .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
        .then(function (result) {
          if (result[0]) { window.location.reload(); return; }
          throw new Error(result[1].error || "");
        })
        .catch(function (error) {
          before.forEach(function (id) { list.appendChild(list.querySelector("[data-stage-id='" + id + "']")); });
          toast.querySelector(".toast-body").textContent = error.message;
          bootstrap.Toast.getOrCreateInstance(toast).show();
        });
    },
  });
})();
