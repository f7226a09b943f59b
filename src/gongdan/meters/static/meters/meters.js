// The asset page's meter charts: one small chart per meter (min–max band, mean line, limits as dashed lines,
// the asset's work orders as marks on the same time axis), redrawn from the server for another range.
// No inline script (strict CSP): the data comes from the JSON the page embeds.
(function () {
  "use strict";

  var charts = [];

  function draw(data, labels, holder, ticketUrl) {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    holder.textContent = "";
    data.meters.forEach(function (m) {
      var box = document.createElement("div");
      box.className = "gd-meter-chart mb-3";
      box.setAttribute("data-meter", m.id);
      var title = document.createElement("div");
      title.className = "small fw-bold";
      title.textContent = m.name + (m.unit ? " (" + m.unit + ")" : "");
      var area = document.createElement("div");
      area.style.height = "180px";
      box.appendChild(title);
      box.appendChild(area);
      holder.appendChild(box);
      var lows = m.points.map(function (p) { return [p[0], p[1]]; });
      var band = m.points.map(function (p) { return [p[0], p[3] - p[1]]; });
      var means = m.points.map(function (p) { return [p[0], p[2]]; });
      var limitLines = [];
      if (m.high !== null) { limitLines.push({ yAxis: m.high, name: labels.high, lineStyle: { color: "#d63939" } }); }
      if (m.low !== null) { limitLines.push({ yAxis: m.low, name: labels.low, lineStyle: { color: "#f59f00" } }); }
      var marks = data.work_orders.map(function (w) {
        return { xAxis: w.t, name: w.number, number: w.number, subject: w.subject };
      });
      var c = window.echarts.init(area, null, { renderer: "svg" });
      c.setOption({
        animation: false,
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "time" },
        yAxis: { type: "value", scale: true },
        series: [
          { name: labels.min, type: "line", data: lows, stack: "band", symbol: "none", lineStyle: { opacity: 0 } },
          { name: labels.range, type: "line", data: band, stack: "band", symbol: "none",
            lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(32,107,196,0.15)" } },
          { name: labels.mean, type: "line", data: means, symbol: "none", lineStyle: { color: "#206bc4" },
            markLine: { symbol: "none", label: { formatter: "{b}", position: "insideEndTop" }, lineStyle: { type: "dashed" }, data: limitLines.concat(
              marks.map(function (w) { return { xAxis: w.xAxis, name: w.name, lineStyle: { color: "#6c7a91", type: "dotted" } }; })
            ) } }
        ]
      });
      c.on("click", function (p) {
        if (p.componentType === "markLine" && p.data && /^[A-Z]+-/.test(p.data.name || "")) {
          window.location.href = ticketUrl.replace("NUMBER", encodeURIComponent(p.data.name));
        }
      });
      charts.push(c);
    });
  }

  function start() {
    var holder = document.getElementById("meter-charts");
    var labelSource = document.getElementById("meter-chart-labels");
    if (!holder || !labelSource || !window.echarts) { return; }
    var labels = JSON.parse(labelSource.textContent);
    var ticketUrl = holder.getAttribute("data-ticket-url");

    function load(range, button) {
      fetch(holder.getAttribute("data-url") + "?range=" + encodeURIComponent(range), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          if (button) {
            document.querySelectorAll("#meter-ranges [data-range]").forEach(function (b) { b.classList.remove("active"); });
            button.classList.add("active");
          }
          draw(data, labels, holder, ticketUrl);
          holder.setAttribute("data-drawn", range);
        })
        .catch(function () { /* the chart shown stays */ });
    }

    load(holder.getAttribute("data-range"), null);
    document.querySelectorAll("#meter-ranges [data-range]").forEach(function (button) {
      button.addEventListener("click", function () { load(button.getAttribute("data-range"), button); });
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
