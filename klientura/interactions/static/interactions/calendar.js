/* An employee's calendar: FullCalendar fed by calendar/events.json; dragging or resizing an event
   posts the new time to the move endpoint, and a refusal puts the event back and says why. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("calendar-config").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const alertBox = document.getElementById("calendar-alert");
  const phone = window.matchMedia("(max-width: 576px)").matches;

  function pad(n) { return String(n).padStart(2, "0"); }

  // With a named time zone and no time-zone plugin, FullCalendar keeps the wall-clock time of that
  // zone in the UTC fields of its Date objects ("UTC coercion"); the server reads it in the same zone.
  function wallClock(date) {
    return date.getUTCFullYear() + "-" + pad(date.getUTCMonth() + 1) + "-" + pad(date.getUTCDate()) +
      "T" + pad(date.getUTCHours()) + ":" + pad(date.getUTCMinutes());
  }

  function showError(text) {
    alertBox.textContent = text;
    alertBox.classList.remove("d-none");
    window.clearTimeout(showError.timer);
    showError.timer = window.setTimeout(function () { alertBox.classList.add("d-none"); }, 8000);
  }

  function move(info) {
    const body = new URLSearchParams({start: wallClock(info.event.start)});
    if (info.event.end) body.set("end", wallClock(info.event.end));
    const url = config.moveUrl.replace("/0/", "/" + info.event.id + "/");
    return fetch(url, {method: "POST", body: body, credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            info.revert();
            showError(config.texts.refused + " " + (data.error || ""));
          }
          return response.ok;
        });
      })
      .catch(function () { info.revert(); showError(config.texts.failed); return false; });
  }

  function planAt(info) {
    if (!config.newUrl) return;
    const start = info.allDay ? new Date(info.date.getTime() + 9 * 3600e3) : info.date;
    const end = new Date(start.getTime() + 3600e3);
    const query = new URLSearchParams({start: wallClock(start), end: wallClock(end), responsible: config.owner});
    window.location.href = config.newUrl + "?" + query.toString();
  }

  const calendar = new FullCalendar.Calendar(document.getElementById("calendar"), {
    locale: config.locale,
    timeZone: config.timeZone,
    initialDate: config.initialDate,
    initialView: phone && config.initialView === "timeGridWeek" ? "listWeek" : config.initialView,
    headerToolbar: phone
      ? {left: "prev,next", center: "title", right: "today"}
      : {left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,timeGridDay,listWeek"},
    footerToolbar: phone ? {center: "dayGridMonth,timeGridDay,listWeek"} : false,
    firstDay: 1,
    height: "auto",
    nowIndicator: true,
    allDaySlot: false,  // events always have a time; an all-day drop would lose it
    navLinks: true,
    dayMaxEvents: true,
    slotMinTime: "07:00:00",
    slotMaxTime: "22:00:00",
    scrollTime: "08:00:00",
    eventTimeFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
    events: {
      url: config.eventsUrl,
      extraParams: {user: config.owner},
      failure: function () { showError(config.texts.failed); },
    },
    eventDrop: move,
    eventResize: move,
    dateClick: planAt,
    eventDidMount: function (info) {
      const p = info.event.extendedProps;
      info.el.title = [info.event.title, p.partner, p.kind, p.status].filter(Boolean).join(" · ");
      info.el.dataset.eventId = info.event.id;
      info.el.dataset.state = p.state;
    },
  });
  calendar.render();
  // The browser test drives the same handler a drag calls.
  window.klienturaCalendar = {calendar: calendar, move: move, wallClock: wallClock};
})();
