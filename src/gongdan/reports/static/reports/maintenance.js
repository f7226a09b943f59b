// Draws the maintenance tab's charts from the JSON the page embeds (no inline script: strict CSP).
// A bar of the downtime charts opens that asset's page. Long asset names wrap, never cut.
(function () {
  "use strict";

  function autosubmit() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function () { form.requestSubmit(); });
    });
  }

  function hours(v) { return v === null || v === undefined ? "—" : v + " h"; }

  function draw() {
    autosubmit();
    var source = document.getElementById("maintenance-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var L = data.labels;
    var charts = [];
    var grid = { left: 8, right: 24, top: 36, bottom: 8, containLabel: true };

    function labelWidth(el) {
      // a third of the chart for the names, wrapped onto more lines when longer
      return Math.max(90, Math.min(220, Math.floor(el.clientWidth / 3)));
    }

    function chart(name, build, onClick) {
      var el = document.querySelector('[data-chart="' + name + '"]');
      if (!el) { return; }
      var c = window.echarts.init(el, null, { renderer: "svg" });
      var option = build(el);
      option.animation = false;
      c.setOption(option);
      if (onClick) { c.on("click", onClick); }
      charts.push({ chart: c, el: el, build: build });
    }

    var stack = ["on_time", "late", "missed", "not_yet_due"];
    var colours = { on_time: "#2fb344", late: "#f59f00", missed: "#d63939", not_yet_due: "#adb5bd" };
    chart("pm", function (el) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { data: stack.map(function (k) { return L[k]; }), top: 0 },
        // the legend takes two lines on a phone
        grid: Object.assign({}, grid, { top: el.clientWidth < 480 ? 60 : 36 }),
        xAxis: { type: "category", data: data.pm.map(function (d) { return d.day; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: stack.map(function (k) {
          return { name: L[k], type: "bar", stack: "pm", itemStyle: { color: colours[k] },
                   data: data.pm.map(function (d) { return d[k]; }) };
        })
      };
    });

    chart("mix", function () {
      return {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d} %)" },
        legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["40%", "68%"], percentPrecision: 0, center: ["50%", "45%"],
                   label: { position: "inside", formatter: "{d} %", color: "#fff", fontWeight: "bold" },
                   color: ["#206bc4", "#d63939"], data: data.mix }]
      };
    });

    function downtime(rows) {
      var shown = rows.slice().reverse();
      return function (el) {
        return {
          tooltip: {
            trigger: "item",
            formatter: function (p) {
              var row = shown[p.dataIndex];
              return window.echarts.format.encodeHTML(row.name) + "<br>" + L.hours + ": " + hours(row.value);
            }
          },
          grid: grid,
          xAxis: { type: "value", axisLabel: { formatter: "{value} h" } },
          yAxis: { type: "category", data: shown.map(function (d) { return d.name; }),
                   axisLabel: { width: labelWidth(el), overflow: "break", lineHeight: 14 } },
          series: [{ name: L.hours, type: "bar", data: shown.map(function (d) { return d.value; }),
                     itemStyle: { color: "#d63939" }, cursor: "pointer" }]
        };
      };
    }
    function openAsset(rows) {
      var shown = rows.slice().reverse();
      return function (p) {
        window.location.href = data.asset_url.replace("__code__", encodeURIComponent(shown[p.dataIndex].code));
      };
    }
    chart("assets", downtime(data.assets), openAsset(data.assets));
    chart("lines", downtime(data.lines), openAsset(data.lines));

    chart("types", function (el) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: hours },
        legend: { data: [L.mtbf, L.mttr], top: 0 },
        grid: grid,
        xAxis: { type: "category", data: data.types.map(function (d) { return d.name; }),
                 axisLabel: { interval: 0, width: Math.max(60, Math.floor(el.clientWidth / Math.max(1, data.types.length)) - 8),
                              overflow: "break" } },
        // the legend names the two axes; on a phone their own names would sit under it
        yAxis: [{ type: "value", name: el.clientWidth < 480 ? "" : L.mtbf, axisLabel: { formatter: "{value} h" } },
                { type: "value", name: el.clientWidth < 480 ? "" : L.mttr, axisLabel: { formatter: "{value} h" } }],
        series: [
          { name: L.mtbf, type: "bar", data: data.types.map(function (d) { return d.mtbf; }) },
          { name: L.mttr, type: "bar", yAxisIndex: 1, data: data.types.map(function (d) { return d.mttr; }) }
        ]
      };
    });

    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.chart.setOption(c.build(c.el)); c.chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
