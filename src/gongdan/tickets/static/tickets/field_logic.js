/* Conditional fields on the ticket forms (agent, portal, phone app and the form builder's preview): the same rules as the server's
   tickets/services/field_logic.py, read from the JSON the page carries (#gd-field-logic). The server decides;
   this only shows, hides, marks required and narrows choices as people type. */
(function () {
  "use strict";

  function empty(v) {
    return v === null || v === undefined || (typeof v === "string" && v.trim() === "") || (Array.isArray(v) && v.length === 0);
  }

  function num(v) {
    if (typeof v === "boolean" || v === "" || v === null || v === undefined) return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }

  function holds(c, value) {
    const op = c.op, wanted = c.value;
    if (op === "set") return !empty(value);
    if (op === "unset") return empty(value);
    if (empty(value)) return op === "ne" || op === "not_in";
    const items = (Array.isArray(value) ? value : [value]).map(String);
    if (op === "eq" || op === "ne") {
      const hit = items.includes(String(wanted));
      return op === "eq" ? hit : !hit;
    }
    if (op === "in" || op === "not_in") {
      const options = (Array.isArray(wanted) ? wanted : [wanted]).map(String);
      const hit = items.some((i) => options.includes(i));
      return op === "in" ? hit : !hit;
    }
    const l = num(value), r = num(wanted);
    if (l === null || r === null) return false;
    return { gt: l > r, gte: l >= r, lt: l < r, lte: l <= r }[op] || false;
  }

  function all(conditions, known) {
    return (conditions || []).every((c) => holds(c, known[c.field]));
  }

  function category(value) {
    return String(value || "").split("/").filter(Boolean);
  }

  function valueOf(box) {
    const inputs = Array.from(box.querySelectorAll("input, select, textarea"));
    if (inputs.length && inputs[0].type === "checkbox") return inputs.filter((i) => i.checked).map((i) => i.value);
    return inputs.length ? inputs[0].value : "";
  }

  function apply(form) {
    const fieldset = form.querySelector("fieldset[data-gd-logic]");
    const data = document.getElementById("gd-field-logic");
    if (!fieldset || !data) return;
    const logic = JSON.parse(data.textContent);
    const prioritySelect = form.querySelector('select[name="priority"]');
    const priority = prioritySelect && prioritySelect.value ? logic.priorities[prioritySelect.value] || "" : logic.priority;
    const known = { "@category": category(logic.category), "@priority": priority };
    logic.fields.forEach((f) => {
      const box = fieldset.querySelector('[data-gd-field="' + f.key + '"]');
      if (!box) return;
      const rules = f.logic || {};
      const visible = !rules.show_when || all(rules.show_when, known);
      const required = visible && (f.required || (!!rules.require_when && all(rules.require_when, known)));
      let choices = null;
      if (visible) {
        for (const rule of rules.choices_when || []) {
          if (all(rule.when, known)) { choices = rule.values.map(String); break; }
        }
      }
      box.hidden = !visible;
      box.querySelectorAll("input, select, textarea").forEach((el) => {
        el.disabled = !visible;
        if (el.type !== "checkbox") el.required = required;
      });
      const label = box.querySelector(".form-label");
      if (label) label.classList.toggle("required", required);
      box.querySelectorAll("option[value], input[type=checkbox]").forEach((el) => {
        if (el.value === "") return;
        const allowed = choices === null || choices.includes(el.value);
        const holder = el.tagName === "OPTION" ? el : el.closest("label");
        holder.hidden = !allowed;
        el.disabled = !visible || !allowed;
        if (!allowed && el.tagName === "OPTION" && el.selected) el.selected = false;
        if (!allowed && el.type === "checkbox") el.checked = false;
      });
      known[f.key] = visible ? valueOf(box) : null;
    });
  }

  function wire() {
    document.querySelectorAll("form").forEach((form) => {
      if (!form.querySelector("fieldset.gd-custom-fields") || form.dataset.gdLogicWired) return;
      form.dataset.gdLogicWired = "1";
      form.addEventListener("input", () => apply(form));
      form.addEventListener("change", () => apply(form));
    });
    document.querySelectorAll("form").forEach((form) => apply(form));
  }

  document.addEventListener("DOMContentLoaded", wire);
  document.addEventListener("htmx:afterSettle", wire);
  document.addEventListener("gd:fields", wire);  // a form put in place by a page's own script (the phone app)
})();
