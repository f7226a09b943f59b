/* The form builder (Settings → Categories → a category → Form). Drag a field by its handle (SortableJS) or
   use its arrow buttons; either way the server saves the order and sends the builder back (list and preview),
   or says why it refused (a field above one its conditions read). The preview runs field_logic.js like the
   portal. No inline scripts: everything hangs on data- attributes. */
(function () {
  "use strict";

  var focusAfterSwap = null;

  function sendOrder(list) {
    var keys = Array.from(list.querySelectorAll("li[data-key]")).map(function (li) { return li.getAttribute("data-key"); });
    window.htmx.ajax("POST", list.getAttribute("data-order-url"), {
      target: "#gd-builder", swap: "outerHTML", values: { order: keys.join(",") },
    });
  }

  function wireList() {
    var list = document.getElementById("gd-builder-list");
    if (!list || list.dataset.gdSortable || !window.Sortable) return;
    list.dataset.gdSortable = "1";
    window.Sortable.create(list, {
      handle: ".gd-drag",
      draggable: "li[data-key]",
      animation: 150,
      ghostClass: "gd-builder-ghost",
      onEnd: function (event) {
        if (event.oldIndex !== event.newIndex) sendOrder(list);
      },
    });
  }

  function wireChoices(root) {
    root.querySelectorAll("select[data-choice-types]").forEach(function (select) {
      var types = select.getAttribute("data-choice-types").split(" ");
      var box = select.form && select.form.querySelector("[data-choices-box]");
      if (!box || select.dataset.gdChoicesWired) return;
      select.dataset.gdChoicesWired = "1";
      var sync = function () { box.hidden = types.indexOf(select.value) === -1; };
      select.addEventListener("change", sync);
      sync();
    });
  }

  // The arrows keep the keyboard where it was: the same button of the same field, after the swap.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-gd-move]");
    if (button) focusAfterSwap = button.getAttribute("data-gd-move");
    var close = event.target.closest("[data-gd-panel-close]");
    if (close) {
      var panel = document.getElementById("gd-builder-panel");
      if (panel) panel.innerHTML = "";
    }
  });

  // The preview is never sent.
  document.addEventListener("submit", function (event) {
    if (event.target.closest("form[data-gd-preview]")) event.preventDefault();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    wireList();
    var panel = document.getElementById("gd-builder-panel");
    if (panel && event.target === panel && panel.firstElementChild) {
      wireChoices(panel);
      panel.scrollIntoView({ block: "start", behavior: "smooth" });
      var first = panel.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
    if (focusAfterSwap) {
      var target = document.querySelector('button[data-gd-move="' + focusAfterSwap + '"]');
      if (target && target.disabled) {
        var other = focusAfterSwap.replace(/:(up|down)$/, function (_m, d) { return d === "up" ? ":down" : ":up"; });
        target = document.querySelector('button[data-gd-move="' + other + '"]');
      }
      if (target) target.focus();
      focusAfterSwap = null;
    }
  });

  if (document.readyState !== "loading") wireList();
  else document.addEventListener("DOMContentLoaded", wireList);
})();
