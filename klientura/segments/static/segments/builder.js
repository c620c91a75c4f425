// The segment rule builder: edits the rules tree (groups AND/OR with NOT, conditions, nested groups)
// and keeps it, as JSON, in the form's hidden "rules" field. Every change fires "rules-changed" on
// <body>, which makes htmx ask the server for the live count. The server validates everything again.
(function () {
  "use strict";
  const root = document.getElementById("rule-builder");
  if (!root) return;
  const data = JSON.parse(document.getElementById("builder-data").textContent);
  const field = document.getElementById("id_rules");
  const words = data.words;
  const byCode = Object.fromEntries(data.indicators.map((ind) => [ind.code, ind]));
  let tree = JSON.parse(document.getElementById("rules-data").textContent);
  if (!tree || !Array.isArray(tree.items)) tree = { op: "and", negate: false, items: [] };

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  function select(options, value, onchange, attrs) {
    const node = el("select", Object.assign({ class: "form-select form-select-sm w-auto", onchange }, attrs));
    options.forEach(([code, label]) => {
      const option = el("option", { value: code === null ? "" : code, text: label });
      const chosen = Array.isArray(value) ? value.map(String).includes(String(code === null ? "" : code))
        : String(value) === String(code);
      if (chosen) option.selected = true;
      node.appendChild(option);
    });
    return node;
  }

  function changed() {
    field.value = JSON.stringify(tree);
    document.body.dispatchEvent(new Event("rules-changed"));
  }

  function redraw() {
    root.replaceChildren(drawGroup(tree, null));
    changed();
  }

  function customField(condition) {
    const fields = (byCode.custom && byCode.custom.fields) || [];
    return fields.find((f) => f.code === (condition.params || {}).field) || null;
  }

  function defaultsFor(condition) {
    const ind = byCode[condition.indicator];
    condition.params = {};
    condition.value = null;
    condition.operator = ind.operators.length ? ind.operators[0][0] : null;
    if ((ind.params || []).some((p) => p.name === "days")) condition.params = { days: 30 };
    if (ind.code === "custom") {
      const first = (ind.fields || [])[0];
      condition.params = { field: first ? first.code : "" };
      condition.operator = first && first.operators.length ? first.operators[0][0] : null;
    }
    if (ind.value_kind === "bool") condition.value = true;
    if (ind.value_kind === "ids" || ind.value_kind === "choices") condition.value = [];
  }

  function periodInputs(condition) {
    const params = condition.params || (condition.params = {});
    const byDays = params.days !== undefined && params.days !== null;
    const mode = select([["days", words.last_days], ["dates", words.period]], byDays ? "days" : "dates", (e) => {
      condition.params = e.target.value === "days" ? { days: 30 } : { date_from: "", date_to: "" };
      redraw();
    }, { "aria-label": words.period });
    const parts = [mode];
    if (byDays) {
      parts.push(el("input", { type: "number", min: 1, class: "form-control form-control-sm", style: "width: 6rem",
        value: params.days, "aria-label": words.days,
        oninput: (e) => { params.days = e.target.value === "" ? null : Number(e.target.value); changed(); } }));
      parts.push(el("span", { class: "small text-secondary", text: words.days }));
    } else {
      ["date_from", "date_to"].forEach((name) => {
        parts.push(el("span", { class: "small text-secondary", text: words[name === "date_from" ? "from" : "to"] }));
        parts.push(el("input", { type: "date", class: "form-control form-control-sm w-auto", value: params[name] || "",
          oninput: (e) => { params[name] = e.target.value; changed(); } }));
      });
    }
    return parts;
  }

  function valueInput(condition, kind, choices) {
    if (["empty", "not_empty"].includes(condition.operator)) return null;
    const set = (value) => { condition.value = value; changed(); };
    if (kind === "money" || kind === "int" || kind === "number") {
      return el("input", { type: "number", min: 0, step: kind === "int" ? 1 : "0.01", value: condition.value ?? "",
        class: "form-control form-control-sm", style: "width: 9rem", "aria-label": words.value,
        oninput: (e) => set(kind === "int" ? (e.target.value === "" ? null : Number(e.target.value)) : e.target.value) });
    }
    if (kind === "date") {
      return el("input", { type: "date", class: "form-control form-control-sm w-auto", value: condition.value || "",
        oninput: (e) => set(e.target.value) });
    }
    if (kind === "bool") {
      return select([["true", words.yes], ["false", words.no]], String(condition.value !== false),
        (e) => set(e.target.value === "true"));
    }
    if (kind === "choice") {
      return select([["", "—"], ...choices], condition.value ?? "", (e) => set(e.target.value));
    }
    if (kind === "ids" || kind === "choices") {
      const node = select(choices, condition.value || [], (e) => {
        const picked = Array.from(e.target.selectedOptions).map((o) => o.value);
        set(kind === "ids" ? picked.map((v) => (v === "" ? null : Number(v))) : picked);
      }, { multiple: true, size: Math.min(5, Math.max(2, choices.length)), class: "form-select form-select-sm w-auto" });
      return node;
    }
    return el("input", { type: "text", class: "form-control form-control-sm w-auto", value: condition.value ?? "",
      oninput: (e) => set(e.target.value) });
  }

  function negateBox(node, label) {
    const box = el("input", { type: "checkbox", class: "form-check-input", onchange: (e) => { node.negate = e.target.checked; changed(); } });
    box.checked = !!node.negate;
    return el("label", { class: "form-check-label small text-nowrap", title: label }, [box, document.createTextNode(" " + words.not)]);
  }

  function removeButton(parent, node) {
    return el("button", { type: "button", class: "btn btn-sm btn-outline-danger", title: words.remove, "aria-label": words.remove,
      onclick: () => { parent.items.splice(parent.items.indexOf(node), 1); redraw(); } }, [el("i", { class: "bi bi-x-lg" })]);
  }

  function drawCondition(condition, parent) {
    const options = data.indicators.map((ind) => [ind.code, ind.label]);
    const picker = select([["", words.choose], ...options], condition.indicator || "", (e) => {
      condition.indicator = e.target.value;
      if (condition.indicator) defaultsFor(condition);
      redraw();
    }, { "aria-label": words.choose, "data-testid": "indicator" });
    const row = el("div", { class: "d-flex flex-wrap align-items-center gap-2 py-1 rule-condition", "data-testid": "condition" },
      [negateBox(condition, words.not), picker]);
    const ind = byCode[condition.indicator];
    if (ind) {
      let operators = ind.operators;
      let kind = ind.value_kind;
      let choices = ind.choices || [];
      if (ind.code === "custom") {
        const fields = ind.fields || [];
        row.appendChild(select(fields.map((f) => [f.code, f.label]), (condition.params || {}).field, (e) => {
          condition.params = { field: e.target.value };
          const f = customField(condition);
          condition.operator = f && f.operators.length ? f.operators[0][0] : null;
          condition.value = null;
          redraw();
        }, { "aria-label": words.field }));
        const f = customField(condition);
        operators = f ? f.operators : [];
        kind = f ? f.value_kind : "text";
        choices = f ? f.choices : [];
      } else if (kind === "ids") {
        choices = (data.options[ind.ids_of] || []).slice();
        if (ind.allow_null) choices.unshift([null, words.no_manager]);
      }
      if ((ind.params || []).some((p) => p.name === "days")) periodInputs(condition).forEach((n) => row.appendChild(n));
      if (operators.length && kind !== "none") {
        row.appendChild(select(operators, condition.operator, (e) => { condition.operator = e.target.value; redraw(); },
          { "aria-label": words.operator }));
        const input = valueInput(condition, kind, choices);
        if (input) row.appendChild(input);
      }
      if (ind.help) row.appendChild(el("i", { class: "bi bi-info-circle text-secondary", title: ind.help }));
    }
    row.appendChild(removeButton(parent, condition));
    return row;
  }

  function drawGroup(group, parent) {
    const head = el("div", { class: "d-flex flex-wrap align-items-center gap-2 mb-1" }, [
      negateBox(group, words.not),
      select([["and", words.and], ["or", words.or]], group.op, (e) => { group.op = e.target.value; changed(); },
        { "aria-label": words.and, "data-testid": "group-op" }),
      el("button", { type: "button", class: "btn btn-sm btn-outline-primary", "data-testid": "add-condition",
        onclick: () => { group.items.push({ indicator: "", negate: false, operator: null, value: null, params: {} }); redraw(); } },
      [el("i", { class: "bi bi-plus-lg" }), document.createTextNode(" " + words.add_condition)]),
      el("button", { type: "button", class: "btn btn-sm btn-outline-secondary", "data-testid": "add-group",
        onclick: () => { group.items.push({ op: "or", negate: false, items: [] }); redraw(); } },
      [el("i", { class: "bi bi-diagram-3" }), document.createTextNode(" " + words.add_group)]),
      parent ? removeButton(parent, group) : null,
    ]);
    const body = el("div", { class: "ps-3 border-start border-2" });
    if (!group.items.length && !parent) body.appendChild(el("p", { class: "small text-secondary mb-1", text: words.empty }));
    group.items.forEach((item) => body.appendChild(Array.isArray(item.items) ? drawGroup(item, group) : drawCondition(item, group)));
    return el("div", { class: "rule-group mb-2", "data-testid": "group" }, [head, body]);
  }

  // Schedule presets fill the cron field; the schedule only matters for the "on a schedule" mode.
  document.querySelectorAll("[data-preset]").forEach((button) => {
    button.addEventListener("click", () => {
      document.getElementById("id_schedule").value = button.dataset.preset;
      const scheduled = document.querySelector('input[name="refresh_mode"][value="scheduled"]');
      if (scheduled) scheduled.checked = true;
    });
  });

  redraw();
})();
