/* The department grid: a click on a free place in a member's column plans an event for that member
   at that time (in the day view, to the half hour; in the week view, at nine in the morning). */
(function () {
  "use strict";
  const newUrl = JSON.parse(document.getElementById("new-event-url").textContent);
  function pad(n) { return String(n).padStart(2, "0"); }
  function open(user, day, minutes) {
    const start = day + "T" + pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
    const endMinutes = Math.min(minutes + 60, 24 * 60 - 1);
    const end = day + "T" + pad(Math.floor(endMinutes / 60)) + ":" + pad(endMinutes % 60);
    window.location.href = newUrl + "?" + new URLSearchParams({start: start, end: end, responsible: user}).toString();
  }
  document.querySelectorAll(".dept-column.may-plan").forEach(function (column) {
    column.addEventListener("click", function (event) {
      if (event.target.closest("a")) return;
      const box = column.getBoundingClientRect();
      const hours = Number(column.dataset.hours);
      const offset = Math.max(0, Math.min(event.clientY - box.top, box.height - 1));
      const minutes = Number(column.dataset.firstHour) * 60 + Math.floor(offset / box.height * hours * 2) * 30;
      open(column.dataset.user, column.dataset.day, minutes);
    });
  });
  document.querySelectorAll(".dept-cell.may-plan").forEach(function (cell) {
    cell.addEventListener("click", function (event) {
      if (event.target.closest("a")) return;
      open(cell.dataset.user, cell.dataset.day, 9 * 60);
    });
  });
})();
