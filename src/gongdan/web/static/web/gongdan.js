/* Gongdan's small behaviours. No inline scripts: the CSP forbids them. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  // htmx: send the CSRF token, and show validation answers (400/422) instead of dropping them.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
    // Filter forms: leave empty fields out, so the pushed URL stays short and shareable.
    var form = event.detail.elt;
    if (event.detail.verb === "get" && form && form.hasAttribute && form.hasAttribute("data-drop-empty")) {
      var data = event.detail.formData;
      if (data && data.forEach) {
        var empty = [];
        data.forEach(function (value, key) { if (value === "") empty.push(key); });
        empty.forEach(function (key) { data.delete(key); });
      }
    }
  });
  // New ticket: the category's template replaces the description only if the person has not typed
  // since the category changed (the answer can arrive after they started writing).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var description = document.getElementById("id_description");
    if (description && event.detail.elt && event.detail.elt.name === "category") {
      description.setAttribute("data-sent-value", description.value);
    }
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "id_description" || !target.hasAttribute("data-sent-value")) return;
    if (target.value !== target.getAttribute("data-sent-value")) {
      event.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Keyboard shortcuts: "/" focuses the search, "c" opens a new ticket.
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (event.key === "/") {
      var search = document.getElementById("q");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    } else if (event.key === "c") {
      var link = document.querySelector('[data-shortcut="c"]');
      if (link) {
        event.preventDefault();
        window.location.href = link.getAttribute("href");
      }
    }
  });

  // Ticking a ticket opens the bulk-action panel of its form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('input[type="checkbox"][name="ticket"], [data-select-all]') || !box.checked) return;
    var panel = box.form ? box.form.querySelector("[data-bulk-panel]") : null;
    if (panel) panel.open = true;
  });

  // "Select all" checkboxes for bulk actions.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) return;
    var form = box.closest("form") || document;
    form.querySelectorAll('input[type="checkbox"][name="' + box.getAttribute("data-select-all") + '"]').forEach(
      function (item) { item.checked = box.checked; }
    );
  });

  // Confirmation for destructive buttons.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Copy buttons (the new API token).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy-target"));
    if (!field) return;
    field.select();
    var done = function () { button.textContent = button.getAttribute("data-copied-label") || "✓"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else {
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
    }
  });
})();
