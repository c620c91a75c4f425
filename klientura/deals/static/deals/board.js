/* The deals board: cards dragged between stage columns (SortableJS) or sent with the "Move to…" select
   are posted to the server, which applies the deal kind's rules. A refusal puts the card back where it
   was and shows the server's reason; "Lost" first asks for the reason in a dialog. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("board-config").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const board = document.querySelector("[data-testid=board]");
  const toastEl = document.getElementById("board-toast");
  const loseDialogEl = document.getElementById("lose-dialog");
  const money = new Intl.NumberFormat(document.documentElement.lang || "ru", {maximumFractionDigits: 0});

  function showError(text) {
    toastEl.querySelector("[data-role=text]").textContent = text;
    bootstrap.Toast.getOrCreateInstance(toastEl, {delay: 8000}).show();
  }

  function urlFor(template, dealId) {
    return template.replace("/0/", "/" + dealId + "/");
  }

  function post(url, fields) {
    return fetch(url, {
      method: "POST",
      body: new URLSearchParams(fields),
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"},
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || config.texts.failed);
        return data;
      });
    }, function () { throw new Error(config.texts.failed); });
  }

  // --- column headers: the count and the sum follow the cards ---------------------------------------
  function columnOf(body) { return body.closest(".deal-column"); }

  function adjust(column, count, amount) {
    const badge = column.querySelector("[data-role=count]");
    const sum = column.querySelector("[data-role=sum]");
    badge.textContent = String(Number(badge.textContent) + count);
    const value = Number(sum.dataset.value || 0) + amount;
    sum.dataset.value = String(value);
    sum.textContent = money.format(value) + " ₽";
  }

  function refreshEmpty(body) {
    const empty = body.querySelector(".deal-column-empty");
    if (empty) empty.classList.toggle("d-none", body.querySelector(".deal-card") !== null);
  }

  function moved(card, from, to) {
    const amount = Number(card.dataset.amount || 0);
    adjust(columnOf(from), -1, -amount);
    adjust(columnOf(to), 1, amount);
    refreshEmpty(from);
    refreshEmpty(to);
    const days = card.querySelector("[data-role=days]");
    if (days) days.innerHTML = '<i class="bi bi-hourglass-split"></i> ' + config.texts.today;
    const target = to.dataset.target;
    if (target === "won" || target === "lost") closeCard(card);
    refreshSelect(card, to);
  }

  function closeCard(card) {
    card.classList.add("is-closed");
    card.removeAttribute("data-movable");
    const form = card.querySelector(".deal-move-form");
    if (form) form.remove();
  }

  function refreshSelect(card, to) {
    const select = card.querySelector("select[name=stage]");
    if (!select) return;
    select.value = "";
    Array.prototype.forEach.call(select.options, function (option) {
      option.hidden = option.value !== "" && option.value === to.dataset.stageId;
    });
  }

  function putBack(card, from, index) {
    const cards = from.children;
    from.insertBefore(card, cards[index] || null);
    refreshEmpty(from);
  }

  // --- the moves -----------------------------------------------------------------------------------
  function send(card, to) {
    const dealId = card.dataset.dealId;
    const target = to.dataset.target;
    if (target === "stage") return post(urlFor(config.urls.move, dealId), {stage: to.dataset.stageId});
    if (target === "won") return post(urlFor(config.urls.win, dealId), {});
    if (target === "lost") return askLoss(card).then(function (fields) {
      return post(urlFor(config.urls.lose, dealId), fields);
    });
    return Promise.reject(new Error(config.texts.failed));
  }

  function move(card, from, to, index) {
    to.querySelectorAll(".deal-column-empty").forEach(function (p) { p.classList.add("d-none"); });
    board.classList.add("is-busy");
    return send(card, to).then(function () {
      moved(card, from, to);
    }, function (error) {
      putBack(card, from, index);
      refreshEmpty(to);
      if (error && error.message !== "cancelled") showError(config.texts.refused + " " + error.message);
    }).finally(function () { board.classList.remove("is-busy"); });
  }

  // The Lost dialog resolves with the reason and comment, or rejects when closed without them.
  function askLoss(card) {
    const dialog = bootstrap.Modal.getOrCreateInstance(loseDialogEl);
    const form = loseDialogEl.querySelector("[data-role=lose-form]");
    const reason = form.elements.reason;
    form.reset();
    reason.classList.remove("is-invalid");
    loseDialogEl.querySelector("[data-role=lose-deal]").textContent = card.dataset.title;
    return new Promise(function (resolve, reject) {
      let answered = false;
      function submitted(event) {
        event.preventDefault();
        if (!reason.value) { reason.classList.add("is-invalid"); reason.focus(); return; }
        answered = true;
        resolve({reason: reason.value, comment: form.elements.comment.value});
        dialog.hide();
      }
      form.addEventListener("submit", submitted);
      loseDialogEl.addEventListener("hidden.bs.modal", function () {
        form.removeEventListener("submit", submitted);
        if (!answered) reject(new Error("cancelled"));
      }, {once: true});
      dialog.show();
    });
  }

  function indexIn(body, card) { return Array.prototype.indexOf.call(body.children, card); }

  if (config.canMove) {
    board.querySelectorAll(".deal-column-body").forEach(function (body) {
      Sortable.create(body, {
        group: "deals",
        sort: false,
        draggable: ".deal-card[data-movable]",
        filter: "select, option, button",
        preventOnFilter: false,
        animation: 150,
        // Pointer events instead of the browser's native drag and drop: the same behaviour with a
        // mouse, a pen or a finger, and a card image that follows the pointer over scrolled columns.
        forceFallback: true,
        fallbackTolerance: 4,
        delayOnTouchOnly: true,
        delay: 200,
        ghostClass: "deal-card-ghost",
        onEnd: function (event) {
          if (event.from === event.to) return;
          move(event.item, event.from, event.to, event.oldIndex);
        },
      });
    });
  }

  // The "Move to…" select: the same move without dragging (phones, keyboards, screen readers).
  board.addEventListener("change", function (event) {
    const select = event.target.closest(".deal-move-form select[name=stage]");
    if (!select || !select.value) return;
    const card = select.closest(".deal-card");
    const from = card.parentElement;
    const to = select.value === "won" || select.value === "lost"
      ? board.querySelector(".deal-column-body[data-target=" + select.value + "]")
      : board.querySelector(".deal-column-body[data-stage-id='" + select.value + "']");
    if (!to) { select.form.submit(); return; }
    const index = indexIn(from, card);
    to.insertBefore(card, to.firstChild);
    move(card, from, to, index).then(function () { select.value = ""; card.scrollIntoView({block: "nearest", inline: "nearest"}); });
  });

  // Filters apply as soon as they change; the query string keeps them for a bookmark or a reload.
  const filters = document.querySelector("[data-testid=board-filters]");
  if (filters) {
    let timer = null;
    filters.addEventListener("change", function (event) {
      if (event.target.name !== "q") filters.requestSubmit();
    });
    filters.addEventListener("input", function (event) {
      if (event.target.name !== "q") return;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { filters.requestSubmit(); }, 600);
    });
  }
})();
