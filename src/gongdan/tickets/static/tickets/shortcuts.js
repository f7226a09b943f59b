/* Keyboard shortcuts shared by the queue and the ticket page: "?" opens the list of shortcuts; on the queue,
   j/k move through the rows, o/Enter open one, t takes it, x selects it; on a ticket, j/k open the next or
   previous ticket of the queue page the agent came from (remembered in this tab's sessionStorage). The
   ticket page's own keys (t, r, n, a, Ctrl+Enter variants) live in ticket.js. */
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

  // The queue page's tickets, in order, for j/k on the ticket page (this tab only).
  var QUEUE_KEY = "gd-queue";

  function rememberQueue() {
    if (!document.getElementById("queue-results")) return;
    var numbers = Array.prototype.map.call(
      document.querySelectorAll("#queue-results tbody tr .gd-number a"),
      function (link) { return link.textContent.trim(); }
    );
    try {
      window.sessionStorage.setItem(QUEUE_KEY, JSON.stringify({
        url: window.location.pathname + window.location.search,
        numbers: numbers
      }));
    } catch (error) { /* storage refused (private mode, full): j/k on a ticket then do nothing */ }
  }

  function rememberedQueue() {
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(QUEUE_KEY) || "null");
      return stored && Array.isArray(stored.numbers) ? stored : null;
    } catch (error) {
      return null;
    }
  }

  // On a ticket: where j and k lead, shown beside the breadcrumb as "‹ 3 / 25 ›".
  function ticketNeighbours() {
    var header = document.querySelector("[data-gd-ticket]");
    var queue = header && rememberedQueue();
    if (!queue) return null;
    var number = header.getAttribute("data-gd-ticket");
    var index = queue.numbers.indexOf(number);
    if (index < 0) return null;
    var here = window.location.pathname;
    function urlOf(other) { return other ? here.replace(number, other) : ""; }
    return {
      index: index, count: queue.numbers.length, queueUrl: queue.url,
      next: urlOf(queue.numbers[index + 1]), previous: urlOf(queue.numbers[index - 1])
    };
  }

  function showTicketNav() {
    var nav = document.querySelector("[data-gd-queue-nav]");
    var where = ticketNeighbours();
    if (!nav || !where) return;
    var previous = nav.querySelector("[data-gd-queue-previous]");
    var next = nav.querySelector("[data-gd-queue-next]");
    nav.querySelector("[data-gd-queue-position]").textContent = (where.index + 1) + " / " + where.count;
    [[previous, where.previous], [next, where.next]].forEach(function (pair) {
      if (pair[1]) {
        pair[0].setAttribute("href", pair[1]);
        pair[0].classList.remove("disabled");
        pair[0].removeAttribute("aria-disabled");
      }
    });
    var back = document.querySelector("[data-gd-queue-link]");
    if (back && where.queueUrl) back.setAttribute("href", where.queueUrl);
    nav.hidden = false;
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
    if ((event.key === "j" || event.key === "k") && document.querySelector("[data-gd-ticket]")) {
      var where = ticketNeighbours();
      var target = where && (event.key === "j" ? where.next : where.previous);
      if (target) {
        event.preventDefault();
        window.location.href = target;
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

  // The bulk bar shows, open, only while tickets are ticked (without JavaScript it always shows).
  function syncBulk() {
    var panel = document.querySelector("#queue-results [data-bulk-panel]");
    if (!panel) return;
    var boxes = document.querySelectorAll('#queue-results input[type="checkbox"][name="ticket"]:checked');
    panel.classList.toggle("gd-bulk--idle", boxes.length === 0);
    if (boxes.length && !panel.open) panel.open = true;
    syncMergeTarget(boxes);
  }

  // "Merge the others into": the ticked tickets, the oldest (lowest number) first and chosen unless the
  // agent picked another that is still ticked.
  function syncMergeTarget(boxes) {
    var select = document.querySelector("#queue-results [data-gd-merge-into]");
    if (!select) return;
    var chosen = select.value;
    var numbers = Array.prototype.map.call(boxes, function (box) { return box.value; }).sort();
    select.innerHTML = "";
    numbers.forEach(function (number) {
      var row = document.querySelector('#queue-results input[name="ticket"][value="' + number + '"]').closest("tr");
      var subject = row ? row.querySelector(".gd-subject a") : null;
      var option = document.createElement("option");
      option.value = number;
      option.textContent = number + (subject ? " · " + subject.textContent.trim().slice(0, 40) : "");
      select.appendChild(option);
    });
    if (numbers.indexOf(chosen) >= 0) select.value = chosen;
    var button = document.querySelector("#queue-results [data-gd-merge]");
    if (button) button.disabled = numbers.length < 2;
    if (numbers.length < 2) {
      select.innerHTML = "";
      var none = document.createElement("option");
      none.value = "";
      none.textContent = select.getAttribute("data-gd-none") || "";
      select.appendChild(none);
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#queue-results")) syncBulk();
  });
  document.addEventListener("htmx:afterSettle", syncBulk);
  document.addEventListener("DOMContentLoaded", syncBulk);
  document.addEventListener("DOMContentLoaded", rememberQueue);
  document.addEventListener("htmx:afterSettle", rememberQueue);
  document.addEventListener("DOMContentLoaded", showTicketNav);
  document.addEventListener("htmx:afterSettle", showTicketNav);

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
