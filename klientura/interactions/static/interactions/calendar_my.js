/* My calendar: the agenda, or the same entries in a month/list calendar (drawn on first use). */
(function () {
  "use strict";
  const entries = JSON.parse(document.getElementById("agenda-entries").textContent);
  const config = JSON.parse(document.getElementById("agenda-config").textContent);
  const agenda = document.getElementById("agenda");
  const box = document.getElementById("agenda-calendar");
  const buttons = document.querySelectorAll("[data-testid=agenda-toggle] [data-show]");
  const phone = window.matchMedia("(max-width: 576px)").matches;
  let calendar = null;

  function show(which) {
    agenda.classList.toggle("d-none", which !== "agenda");
    box.classList.toggle("d-none", which !== "calendar");
    buttons.forEach(function (b) {
      b.classList.toggle("btn-secondary", b.dataset.show === which);
      b.classList.toggle("btn-outline-secondary", b.dataset.show !== which);
    });
    if (which === "calendar" && calendar === null) {
      calendar = new FullCalendar.Calendar(document.getElementById("agenda-fc"), {
        locale: config.locale,
        timeZone: config.timeZone,
        initialView: phone ? "listMonth" : "dayGridMonth",
        headerToolbar: {left: "prev,next today", center: "title", right: "dayGridMonth,listMonth"},
        firstDay: 1,
        height: "auto",
        dayMaxEvents: 4,
        eventTimeFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
        events: entries,
      });
      calendar.render();
    }
    try { window.localStorage.setItem("klientura.agenda.view", which); } catch (e) { /* private mode */ }
  }
  buttons.forEach(function (b) { b.addEventListener("click", function () { show(b.dataset.show); }); });
  let saved = null;
  try { saved = window.localStorage.getItem("klientura.agenda.view"); } catch (e) { /* private mode */ }
  if (saved === "calendar") show("calendar");
})();
