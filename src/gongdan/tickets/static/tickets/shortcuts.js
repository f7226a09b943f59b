/* Keyboard shortcuts shared by the queue and the ticket page: "?" opens the list of shortcuts; on the queue,
   j/k move through the rows, o/Enter open one, t takes it, x selects it. The ticket page's own keys
   (t, r, n, a, Ctrl+Enter variants) live in ticket.js. */
(function () {
  "use strict";

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-results tbody tr"));
  }

  function current() {
    return document.querySelector("#queue-results tbody tr.gd-row-current");
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = all[Math.max(0, Math.min(all.length - 1, index < 0 ? 0 : index + step))];
    all.forEach(function (row) {
      row.classList.remove("gd-row-current");
      row.removeAttribute("aria-current");
    });
    next.classList.add("gd-row-current");
    next.setAttribute("aria-current", "true");
    next.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (event.key === "?") {
      var dialog = document.getElementById("gd-shortcuts");
      if (dialog && typeof dialog.showModal === "function" && !dialog.open) {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    if (!document.getElementById("queue-results")) return;
    var row = current();
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      move(event.key === "j" ? 1 : -1);
    } else if (row && (event.key === "o" || event.key === "Enter")) {
      var link = row.querySelector(".gd-subject a");
      if (link) {
        event.preventDefault();
        window.location.href = link.getAttribute("href");
      }
    } else if (row && event.key === "t") {
      var take = row.querySelector("[data-gd-take]");
      if (take) {
        event.preventDefault();
        take.click();
      }
    } else if (row && event.key === "x") {
      var box = row.querySelector('input[type="checkbox"][name="ticket"]');
      if (box) {
        event.preventDefault();
        box.click();
      }
    }
  });

  // The bulk bar shows only while tickets are ticked (without JavaScript it always shows).
  function syncBulk() {
    var panel = document.querySelector("#queue-results [data-bulk-panel]");
    if (!panel) return;
    var ticked = document.querySelectorAll('#queue-results input[type="checkbox"][name="ticket"]:checked').length;
    panel.classList.toggle("gd-bulk--idle", ticked === 0);
  }
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#queue-results")) syncBulk();
  });
  document.addEventListener("htmx:afterSettle", syncBulk);
  document.addEventListener("DOMContentLoaded", syncBulk);

  // The "?" button beside the page title opens the same list.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest ? event.target.closest("[data-gd-shortcuts]") : null;
    var dialog = document.getElementById("gd-shortcuts");
    if (opener && dialog && typeof dialog.showModal === "function") {
      event.preventDefault();
      dialog.showModal();
    }
  });
})();
