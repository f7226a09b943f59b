/* The ticket page: keyboard shortcuts, the reply/internal-note toggle, and htmx glue.
   Everything here is an enhancement: every form on the page also works without JavaScript. */
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

  function replyBox() {
    return document.querySelector("[data-gd-reply]");
  }

  function syncEditorKind() {
    var editor = document.getElementById("ticket-editor");
    if (!editor || editor.tagName !== "FORM") return;
    var note = editor.querySelector('input[name="kind"][value="note"]');
    var internal = !!(note && note.checked);
    editor.classList.toggle("gd-editor--note", internal);
    var button = editor.querySelector('button[type="submit"]');
    var label = button && button.querySelector(".gd-submit-label");
    if (label) {
      label.textContent = internal ? button.dataset.labelNote : button.dataset.labelReply;
    }
  }

  function revealJsOnly(root) {
    (root || document).querySelectorAll("[data-gd-js-only]").forEach(function (el) {
      el.hidden = false;
    });
  }

  document.addEventListener("keydown", function (event) {
    // r: jump to the reply box (unless already typing somewhere).
    if (event.key === "r" && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target)) {
      var box = replyBox();
      if (box) {
        event.preventDefault();
        box.focus();
        box.scrollIntoView({ block: "center", behavior: "smooth" });
      }
      return;
    }
    // Ctrl/Cmd+Enter inside a textarea sends its form.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
      var form = event.target.form;
      if (form) {
        event.preventDefault();
        if (typeof form.requestSubmit === "function") form.requestSubmit();
        else form.submit();
      }
      return;
    }
    // Escape closes an open "note required" popover.
    if (event.key === "Escape") {
      var open = document.querySelector("details.gd-transition-note[open]");
      if (open) {
        open.removeAttribute("open");
        var summary = open.querySelector("summary");
        if (summary) summary.focus();
      }
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('#ticket-editor input[name="kind"]')) syncEditorKind();
  });

  // Opening a note popover puts the cursor in its text box; only one is open at a time.
  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!details.classList || !details.classList.contains("gd-transition-note") || !details.open) return;
      document.querySelectorAll("details.gd-transition-note[open]").forEach(function (other) {
        if (other !== details) other.removeAttribute("open");
      });
      var area = details.querySelector("textarea");
      if (area) area.focus();
    },
    true
  );

  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.headers["X-CSRFToken"]) event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Our actions answer 4xx with the page fragments that explain the problem: show them.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500 && document.getElementById("ticket-page")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    revealJsOnly();
    syncEditorKind();
    var notice = document.querySelector("#ticket-messages .alert");
    if (notice) notice.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });

  document.addEventListener("DOMContentLoaded", function () {
    revealJsOnly();
    syncEditorKind();
  });
})();
