// Draws the dashboard's charts from the JSON the page embeds (every figure is also in a table).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || !window.Chart) return;
  var charts = JSON.parse(source.textContent);
  var palette = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.dataset.chart];
    if (!spec || !spec.labels.length) {
      canvas.closest(".chart-box").hidden = true;
      return;
    }
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set, index) {
          return {
            label: set.label,
            data: set.data,
            backgroundColor: palette[index % palette.length],
            borderRadius: 4,
            maxBarThickness: 38
          };
        })
      },
      options: {
        plugins: {
          legend: { display: spec.datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.raw === null ? "—" : item.raw.toLocaleString();
                return item.dataset.label + ": " + value + (spec.percent && item.raw !== null ? "%" : "");
              }
            }
          }
        },
        scales: {
          y: {
            beginAtZero: true,
            max: spec.percent ? 100 : undefined,
            ticks: { callback: function (v) { return spec.percent ? v + "%" : v.toLocaleString(); } }
          },
          x: { ticks: { autoSkip: false, maxRotation: 40 } }
        }
      }
    });
  });
})();

// The filters: typing a date means custom dates; picking a quarter clears the dates. The
// server reads them the same way (typed dates win), so the page never contradicts itself.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=dashboard-filters]");
  if (!form) return;
  var period = form.elements.period;
  var dates = [form.elements.start, form.elements.end];
  dates.forEach(function (input) {
    input.addEventListener("input", function () {
      if (input.value) period.value = "";
    });
  });
  period.addEventListener("change", function () {
    if (period.value) dates.forEach(function (input) { input.value = ""; });
  });
})();
