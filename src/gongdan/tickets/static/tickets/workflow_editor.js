/* The workflow editor (decision 0150): the diagram is drawn with cytoscape, transitions are drawn with
   cytoscape-edgehandles, properties are edited in the side panel, and the whole diagram is sent as JSON to the
   server, which validates it (the server is the authority; this script only draws and sends). */
(function () {
  "use strict";

  function start() {
    var configNode = document.getElementById("wf-config");
    var container = document.getElementById("wf-canvas");
    if (!configNode || !container || !window.cytoscape) { return; }
    var config = JSON.parse(configNode.textContent);
    var csrf = document.querySelector("#wf-editor ~ input[name=csrfmiddlewaretoken], input[name=csrfmiddlewaretoken]").value;
    var messages = {};
    document.getElementById("wf-messages").content.querySelectorAll("[data-msg]").forEach(function (node) {
      messages[node.dataset.msg] = node.textContent;
    });
    var statusInfo = {};
    config.statuses.forEach(function (s) { statusInfo[s.value] = s; });
    var english = (document.documentElement.lang || "").toLowerCase().indexOf("en") === 0;

    function label(data) { return (english && data.name_en) ? data.name_en : (data.name || data.name_en || data.code || data.action); }

    // The extension's browser build registers itself with the global cytoscape when it loads.
    if (window.cytoscapeEdgehandles && !window.cytoscape("core", "edgehandles")) { window.cytoscape.use(window.cytoscapeEdgehandles); }

    var elements = [];
    config.definition.states.forEach(function (s) {
      elements.push({ group: "nodes", data: Object.assign({ id: "s:" + s.code }, s), position: { x: s.x || 0, y: s.y || 0 } });
    });
    config.definition.transitions.forEach(function (t, index) {
      elements.push({ group: "edges", data: Object.assign({ id: "t" + index, source: "s:" + t.from, target: "s:" + t.to }, t) });
    });

    var cy = window.cytoscape({
      container: container,
      elements: elements,
      layout: { name: "preset" },
      minZoom: 0.3,
      maxZoom: 2.5,
      style: [
        { selector: "node", style: {
          "shape": "round-rectangle", "width": 130, "height": 46, "label": function (n) { return label(n.data()); },
          "text-valign": "center", "text-halign": "center", "text-wrap": "wrap", "text-max-width": 120,
          "font-size": 13, "color": "#1d273b", "background-color": "#e7f0fd", "border-width": 2, "border-color": "#206bc4" } },
        { selector: "node[category = 'pending']", style: { "background-color": "#fff4e5", "border-color": "#f59f00" } },
        { selector: "node[category = 'done']", style: { "background-color": "#e9f7ef", "border-color": "#2fb344" } },
        { selector: "node.problem", style: { "border-color": "#d63939", "border-width": 4, "border-style": "dashed" } },
        { selector: "node:selected", style: { "border-width": 4, "overlay-opacity": 0.08 } },
        { selector: "edge", style: {
          "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 2, "line-color": "#9aa0ac",
          "target-arrow-color": "#9aa0ac", "label": function (e) { return label(e.data()) + (e.data("approval") ? " ⚑" : ""); },
          "font-size": 11, "text-rotation": "autorotate", "text-background-color": "#ffffff", "text-background-opacity": 0.9,
          "text-background-padding": 2, "color": "#49505a" } },
        { selector: "edge[?approval]", style: { "line-color": "#ae3ec9", "target-arrow-color": "#ae3ec9", "line-style": "dashed" } },
        { selector: "edge:selected", style: { "line-color": "#206bc4", "target-arrow-color": "#206bc4", "width": 3 } },
        { selector: ".eh-handle", style: { "background-color": "#206bc4", "width": 12, "height": 12, "shape": "ellipse", "border-width": 0, "label": "" } },
        { selector: ".eh-hover", style: { "background-color": "#d0e2f8" } },
        { selector: ".eh-source, .eh-target", style: { "border-width": 3, "border-color": "#206bc4" } },
        { selector: ".eh-preview, .eh-ghost-edge", style: { "line-color": "#206bc4", "target-arrow-color": "#206bc4", "target-arrow-shape": "triangle", "label": "" } },
        { selector: ".eh-ghost-edge.eh-preview-active", style: { "opacity": 0 } }
      ]
    });
    cy.nodes().forEach(function (n) { n.data("category", (statusInfo[n.data("status")] || {}).category || "open"); });
    if (config.definition.states.length) { cy.fit(undefined, 40); }

    var handles = cy.edgehandles ? cy.edgehandles({
      canConnect: function (source, target) { return !source.same(target) && !source.isEdge() && !target.isEdge(); },
      edgeParams: function () { return { data: {} }; },
      snap: true, hoverDelay: 100
    }) : null;

    function uniqueCode(prefix, taken) {
      var n = 1;
      while (taken(prefix + "_" + n)) { n += 1; }
      return prefix + "_" + n;
    }

    cy.on("ehcomplete", function (event, source, target, added) {
      var action = uniqueCode("move", function (code) {
        return cy.edges().some(function (e) { return e.data("action") === code && e.source().same(source); });
      });
      added.data({ action: action, name: label(target.data()), name_en: target.data("name_en") || "",
        from: source.data("code"), to: target.data("code"), roles: ["agent"], requires_note: false,
        required_fields: [], checks: [], approval: "" });
      setConnect(false);
      cy.elements().unselect();
      added.select();
    });

    // --- the side panel ---------------------------------------------------------------------------------
    var panel = document.getElementById("wf-panel");
    var stateForm = panel.querySelector("[data-panel=state]");
    var transitionForm = panel.querySelector("[data-panel=transition]");
    var emptyNote = panel.querySelector("[data-panel=empty]");
    var deleteButton = document.querySelector("[data-wf=delete]");
    var current = null;

    var statusSelect = stateForm.elements.status;
    config.statuses.forEach(function (s) {
      var option = document.createElement("option");
      option.value = s.value;
      option.textContent = s.label + " · " + s.category_label;
      statusSelect.appendChild(option);
    });
    var approvalSelect = transitionForm.elements.approval;
    [{ value: "", label: messages.none }].concat(config.approvals).forEach(function (a) {
      var option = document.createElement("option");
      option.value = a.value;
      option.textContent = a.label;
      approvalSelect.appendChild(option);
    });
    ["roles", "required_fields", "checks"].forEach(function (name) {
      var box = transitionForm.querySelector("[data-choices=" + name + "]");
      config[name === "required_fields" ? "fields" : name].forEach(function (choice) {
        var wrap = document.createElement("label");
        wrap.className = "form-check";
        var input = document.createElement("input");
        input.type = "checkbox";
        input.className = "form-check-input";
        input.name = name;
        input.value = choice.value;
        var text = document.createElement("span");
        text.className = "form-check-label";
        text.textContent = choice.label;
        wrap.appendChild(input);
        wrap.appendChild(text);
        box.appendChild(wrap);
      });
    });

    function showCategory() {
      var info = statusInfo[statusSelect.value];
      document.getElementById("wf-state-category").textContent = info ? info.category_label + " — " + info.sla : "";
    }

    function show(element) {
      current = element;
      stateForm.hidden = !(element && element.isNode());
      transitionForm.hidden = !(element && element.isEdge());
      emptyNote.hidden = !!element;
      deleteButton.disabled = !element;
      if (!element) { return; }
      var data = element.data();
      if (element.isNode()) {
        stateForm.elements.code.value = data.code || "";
        stateForm.elements.name.value = data.name || "";
        stateForm.elements.name_en.value = data.name_en || "";
        statusSelect.value = data.status || "new";
        showCategory();
      } else {
        transitionForm.elements.action.value = data.action || "";
        transitionForm.elements.name.value = data.name || "";
        transitionForm.elements.name_en.value = data.name_en || "";
        transitionForm.elements.requires_note.checked = !!data.requires_note;
        approvalSelect.value = data.approval || "";
        ["roles", "required_fields", "checks"].forEach(function (name) {
          transitionForm.querySelectorAll("input[name=" + name + "]").forEach(function (input) {
            input.checked = (data[name] || []).indexOf(input.value) !== -1;
          });
        });
        document.getElementById("wf-transition-ends").textContent = label(element.source().data()) + " → " + label(element.target().data());
      }
    }

    cy.on("select", "node, edge", function (event) { show(event.target); });
    cy.on("unselect", "node, edge", function () { if (!cy.$(":selected").length) { show(null); } });

    stateForm.addEventListener("input", function () {
      if (!current || !current.isNode()) { return; }
      var code = stateForm.elements.code.value.trim();
      var old = current.data("code");
      current.data({ code: code, name: stateForm.elements.name.value, name_en: stateForm.elements.name_en.value,
        status: statusSelect.value, category: (statusInfo[statusSelect.value] || {}).category || "open" });
      if (code !== old) { current.connectedEdges().forEach(function (e) { e.data({ from: e.source().data("code"), to: e.target().data("code") }); }); }
      showCategory();
    });
    transitionForm.addEventListener("input", function () {
      if (!current || !current.isEdge()) { return; }
      var picked = function (name) {
        return Array.prototype.filter.call(transitionForm.querySelectorAll("input[name=" + name + "]"), function (i) { return i.checked; })
          .map(function (i) { return i.value; });
      };
      current.data({ action: transitionForm.elements.action.value.trim(), name: transitionForm.elements.name.value,
        name_en: transitionForm.elements.name_en.value, requires_note: transitionForm.elements.requires_note.checked,
        approval: approvalSelect.value, roles: picked("roles"), required_fields: picked("required_fields"), checks: picked("checks") });
    });
    transitionForm.addEventListener("change", function (e) { transitionForm.dispatchEvent(new Event("input")); e.stopPropagation(); });
    stateForm.addEventListener("submit", function (e) { e.preventDefault(); });
    transitionForm.addEventListener("submit", function (e) { e.preventDefault(); });

    // --- the toolbar ------------------------------------------------------------------------------------
    var connectButton = document.querySelector("[data-wf=connect]");
    var connecting = false;
    function setConnect(on) {
      connecting = on;
      connectButton.setAttribute("aria-pressed", on ? "true" : "false");
      connectButton.classList.toggle("active", on);
      if (!handles) { return; }
      if (on) { handles.enableDrawMode(); } else { handles.disableDrawMode(); }
    }
    connectButton.addEventListener("click", function () { setConnect(!connecting); });

    document.querySelector("[data-wf=add-state]").addEventListener("click", function () {
      var code = uniqueCode("state", function (c) { return cy.getElementById("s:" + c).length > 0; });
      var extent = cy.extent();
      var node = cy.add({ group: "nodes", data: { id: "s:" + code, code: code, name: messages.new_state, name_en: "",
        status: "in_progress", category: "open" },
        position: { x: (extent.x1 + extent.x2) / 2, y: (extent.y1 + extent.y2) / 2 } });
      cy.elements().unselect();
      node.select();
      stateForm.elements.name.focus();
      stateForm.elements.name.select();
    });
    deleteButton.addEventListener("click", function () {
      var selected = cy.$(":selected");
      if (!selected.length || !window.confirm(messages.confirm_delete)) { return; }
      selected.remove();
      show(null);
    });
    document.addEventListener("keydown", function (e) {
      if ((e.key === "Delete" || e.key === "Backspace") && e.target === document.body && cy.$(":selected").length) {
        deleteButton.click();
      }
    });

    // --- talking to the server ---------------------------------------------------------------------------
    function definition() {
      var states = cy.nodes().not(".eh-handle").map(function (n) {
        var p = n.position();
        return { code: n.data("code"), name: n.data("name"), name_en: n.data("name_en") || "", status: n.data("status"),
          x: Math.round(p.x), y: Math.round(p.y) };
      });
      var transitions = cy.edges().not(".eh-preview, .eh-ghost-edge").map(function (e) {
        return { action: e.data("action"), name: e.data("name"), name_en: e.data("name_en") || "",
          from: e.source().data("code"), to: e.target().data("code"), roles: e.data("roles") || [],
          requires_note: !!e.data("requires_note"), required_fields: e.data("required_fields") || [],
          checks: e.data("checks") || [], approval: e.data("approval") || "" };
      });
      return { states: states, transitions: transitions };
    }

    function post(url, body) {
      return fetch(url, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body) })
        .then(function (response) {
          return response.json().catch(function () { return { message: messages.error }; })
            .then(function (data) { return { ok: response.ok, data: data }; });
        });
    }

    var problemsBox = document.getElementById("wf-problems");
    function report(kind, lines) {
      problemsBox.replaceChildren();
      if (!lines.length) { return; }
      var box = document.createElement("div");
      box.className = "alert mb-0 alert-" + kind;
      box.setAttribute("role", kind === "danger" ? "alert" : "status");
      var list = document.createElement("ul");
      list.className = "mb-0 ps-3";
      lines.forEach(function (line) {
        var item = document.createElement("li");
        item.textContent = line;
        list.appendChild(item);
      });
      box.appendChild(list);
      problemsBox.appendChild(box);
    }

    function showResult(result, success) {
      cy.nodes().removeClass("problem");
      var data = result.data || {};
      if (!result.ok) {
        var lines = [data.message || messages.error];
        Object.keys(data.details || {}).forEach(function (place) {
          if (place.indexOf("mapping.") === 0) { return; }
          lines.push(place + ": " + data.details[place].join(" "));
        });
        report("danger", lines);
        return false;
      }
      var problems = data.problems || [];
      problems.forEach(function (p) { if (p.state) { cy.getElementById("s:" + p.state).addClass("problem"); } });
      if (problems.length) {
        report("warning", problems.map(function (p) { return p.message; }));
      } else {
        report("success", [success]);
      }
      return !problems.length;
    }

    var mappingBox = document.getElementById("wf-mapping");
    function showMapping(stranded) {
      var rows = mappingBox.querySelector("[data-mapping-rows]");
      rows.replaceChildren();
      var codes = Object.keys(stranded || {});
      mappingBox.hidden = !codes.length;
      codes.forEach(function (code) {
        var col = document.createElement("div");
        col.className = "col-sm-6";
        var lab = document.createElement("label");
        lab.className = "form-label";
        lab.textContent = code + " (" + stranded[code] + " " + messages.tickets + ") →";
        var select = document.createElement("select");
        select.className = "form-select";
        select.dataset.mapFrom = code;
        lab.htmlFor = select.id = "wf-map-" + code;
        var blank = document.createElement("option");
        blank.value = "";
        blank.textContent = messages.choose;
        select.appendChild(blank);
        cy.nodes().not(".eh-handle").forEach(function (n) {
          if (n.data("category") === "done") { return; }
          var option = document.createElement("option");
          option.value = n.data("code");
          option.textContent = label(n.data());
          select.appendChild(option);
        });
        col.appendChild(lab);
        col.appendChild(select);
        rows.appendChild(col);
      });
    }

    function mapping() {
      var result = {};
      mappingBox.querySelectorAll("[data-map-from]").forEach(function (select) {
        if (select.value) { result[select.dataset.mapFrom] = select.value; }
      });
      return result;
    }

    var statusLine = document.getElementById("wf-status");
    document.querySelector("[data-wf=validate]").addEventListener("click", function () {
      post(config.urls.validate, { definition: definition() }).then(function (result) {
        showResult(result, messages.valid);
        if (result.ok) { showMapping(result.data.stranded); }
      });
    });
    document.querySelector("[data-wf=save]").addEventListener("click", function () {
      post(config.urls.draft, { definition: definition(), note: document.getElementById("wf-note").value }).then(function (result) {
        showResult(result, messages.saved);
        if (result.ok) {
          statusLine.textContent = "v" + result.data.version + " · " + messages.saved;
          showMapping(result.data.stranded);
        }
      });
    });
    document.querySelector("[data-wf=publish]").addEventListener("click", function () {
      var chosen = mapping();
      post(config.urls.draft, { definition: definition(), note: document.getElementById("wf-note").value }).then(function (saved) {
        if (!showResult(saved, messages.saved)) { return; }
        var stranded = saved.data.stranded || {};
        var missing = Object.keys(stranded).filter(function (code) { return !chosen[code]; });
        if (missing.length) {
          showMapping(stranded);
          report("warning", [messages.mapping]);
          return;
        }
        post(config.urls.publish, { mapping: chosen }).then(function (result) {
          if (showResult(result, messages.published) && result.data.redirect) {
            window.location.assign(result.data.redirect);
          }
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
