/* The ticket page: keyboard shortcuts (t take, r reply, n note, a assignee, Ctrl+Enter send, Ctrl+Shift+Enter
   send and resolve, Ctrl+Alt+Enter send and set pending; listed on "?"), the reply/internal-note toggle, and
   htmx glue.
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

  function writeAs(kind) {
    var box = replyBox();
    if (!box) return false;
    var radio = document.querySelector('#ticket-editor input[name="kind"][value="' + kind + '"]');
    if (radio && !radio.disabled) {
      radio.checked = true;
      syncEditorKind();
    }
    box.focus();
    box.scrollIntoView({ block: "center", behavior: "smooth" });
    return true;
  }

  // A click rather than requestSubmit(button): htmx learns which submit button was used from its click.
  function submitWith(form, button) {
    if (button) button.click();
    else if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  document.addEventListener("keydown", function (event) {
    var plain = !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target);
    // t: take the ticket; r: write a reply; n: write an internal note (unless already typing somewhere).
    if (plain && event.key === "t") {
      var take = document.querySelector("#ticket-header [data-gd-take]");
      if (take) {
        event.preventDefault();
        take.click();
      }
      return;
    }
    if (plain && event.key === "a") {
      var assignee = document.getElementById("prop-assignee");
      if (assignee) {
        event.preventDefault();
        // The people picker (people_picker.js) replaces the select with its own search box.
        if (assignee.tomselect) assignee.tomselect.focus();
        else assignee.focus();
        assignee.parentElement.scrollIntoView({ block: "center", behavior: "smooth" });
      }
      return;
    }
    if (plain && (event.key === "r" || event.key === "n")) {
      if (writeAs(event.key === "r" ? "reply" : "note")) event.preventDefault();
      return;
    }
    // Ctrl/Cmd+Enter inside a textarea sends its form; with Shift in the composer, sends and resolves.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
      var form = event.target.form;
      if (form) {
        // Shift: send and resolve; Alt: send and set pending (when the workflow allows it now).
        var wanted = form.id !== "ticket-editor" ? "" : event.shiftKey ? "resolved" : event.altKey ? "pending_requester" : "";
        var then = wanted ? form.querySelector('[data-gd-then="' + wanted + '"]') : null;
        if (wanted && !then) return;
        event.preventDefault();
        submitWith(form, then || form.querySelector("[data-gd-send]"));
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
