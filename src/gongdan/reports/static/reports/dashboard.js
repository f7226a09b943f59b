// Draws the dashboard's charts from the JSON the page embeds (no inline script: strict CSP),
// and sends a click on any bar, point or slice to the list of tickets behind it.
(function () {
  "use strict";

  function go(drill, params) {
    var query = Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
    window.location.href = drill + "&" + query;
  }

  function autosubmit() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function () { form.requestSubmit(); });
    });
  }

  function draw() {
    autosubmit();
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var L = data.labels;
    var charts = [];
    var grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };

    function chart(name, option, onClick) {
      var el = document.querySelector('[data-chart="' + name + '"]');
      if (!el) { return; }
      var c = window.echarts.init(el, null, { renderer: "svg" });
      option.animation = false;  // figures, not a show: and a click lands on the bar it points at
      c.setOption(option);
      if (onClick) { c.on("click", onClick); }
      charts.push(c);
    }

    chart("trend", {
      tooltip: { trigger: "axis" },
      legend: { data: [L.created, L.resolved], top: 0 },
      grid: grid,
      xAxis: { type: "category", data: data.trend.map(function (d) { return d.day; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: L.created, type: "line", data: data.trend.map(function (d) { return d.created; }) },
        { name: L.resolved, type: "line", data: data.trend.map(function (d) { return d.resolved; }) }
      ]
    }, function (p) {
      go(data.drill, { metric: p.seriesIndex === 0 ? "created" : "resolved", day: data.trend[p.dataIndex].day });
    });

    chart("backlog", {
      tooltip: {},
      grid: grid,
      xAxis: { type: "category", data: data.backlog.map(function (d) { return d.name; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: L.tickets, type: "bar", data: data.backlog.map(function (d) { return d.value; }) }]
    }, function (p) { go(data.drill, { metric: "backlog", age: data.backlog[p.dataIndex].key }); });

    chart("priorities", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + " %"; } },
      legend: { data: [L.response, L.resolution], top: 0 },
      grid: grid,
      xAxis: { type: "category", data: data.priorities.map(function (d) { return d.name; }) },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
      series: [
        { name: L.response, type: "bar", data: data.priorities.map(function (d) { return d.response; }) },
        { name: L.resolution, type: "bar", data: data.priorities.map(function (d) { return d.resolution; }) }
      ]
    }, function (p) {
      go(data.drill, {
        metric: p.seriesIndex === 0 ? "sla_response_breached" : "sla_resolution_breached",
        priority: data.priorities[p.dataIndex].id
      });
    });

    var categories = data.categories.slice().reverse();
    chart("categories", {
      tooltip: {},
      grid: grid,
      xAxis: { type: "value", axisLabel: { formatter: "{value} h" } },
      yAxis: { type: "category", data: categories.map(function (d) { return d.name; }),
               axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ name: L.hours, type: "bar", data: categories.map(function (d) { return d.value; }) }]
    }, function (p) { go(data.drill, { metric: "resolved", category: categories[p.dataIndex].id }); });

    chart("channels", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["40%", "70%"], data: data.channels }]
    }, function (p) { go(data.drill, { metric: "created", channel: data.channels[p.dataIndex].key }); });

    chart("csat", {
      tooltip: {},
      grid: grid,
      xAxis: { type: "category", data: ["1", "2", "3", "4", "5"] },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: L.ratings, type: "bar", data: data.csat }]
    }, function (p) { go(data.drill, { metric: "csat", rating: p.dataIndex + 1 }); });

    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
