/* The searchable people picker (Tom Select) for the ticket page's assignee and watchers: type part of a name to
   filter, arrows and Enter to pick, Backspace to drop a watcher. It enhances the `<select data-gd-people>` the
   server rendered — the same people the actor may assign to — so the form posts exactly what it posted before,
   and htmx saves it on the select's own "change" event. The properties panel is swapped after every save and
   undo, so new selects are enhanced after each swap. Without JavaScript the plain selects work as before. */
(function () {
  "use strict";

  function enhance(select) {
    if (select.tomselect || typeof window.TomSelect !== "function") return;
    var multiple = select.multiple;
    var noResults = select.dataset.gdNoResults || "";
    var picker = new window.TomSelect(select, {
      plugins: multiple ? ["remove_button"] : [],
      allowEmptyOption: !multiple,
      maxOptions: null,
      hideSelected: multiple,
      closeAfterSelect: true,
      selectOnTab: false,
      placeholder: select.dataset.gdPlaceholder || "",
      render: {
        no_results: function () {
          var div = document.createElement("div");
          div.className = "no-results";
          div.textContent = noResults;
          return div;
        },
      },
    });
    // The text typed to filter is not a property: keep its own "change" from reaching the autosaving form.
    picker.control_input.addEventListener("change", function (event) {
      event.stopPropagation();
    });
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("select[data-gd-people]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAll();
  });
  document.addEventListener("htmx:afterSettle", function () {
    enhanceAll();
  });
})();
