// Draws every chart of the page (kehu.crm.charts): each <figure data-chart> holds its
// plotly figure as JSON data. Drawn on load and whenever htmx swaps new content in;
// clicking a point whose customdata row ends in a site path opens that path.
(function () {
  if (window.kehuCharts) return;
  window.kehuCharts = true;
  const config = { displayModeBar: false, responsive: true, displaylogo: false };

  function sitePath(point) {
    const row = point.customdata;
    const last = Array.isArray(row) ? row[row.length - 1] : row;
    return typeof last === "string" && last.startsWith("/") && !last.startsWith("//") ? last : null;
  }

  function draw(figure) {
    const plot = figure.querySelector(".chart-plot");
    const data = figure.querySelector("script.chart-figure");
    if (!plot || !data || plot.dataset.drawn) return;
    plot.dataset.drawn = "1";
    const spec = JSON.parse(data.textContent);
    window.Plotly.newPlot(plot, spec.data || [], spec.layout || {}, config).then(() => {
      figure.classList.add("chart-drawn");
      plot.on("plotly_click", (event) => {
        const path = event.points && event.points.length ? sitePath(event.points[0]) : null;
        if (path) window.location.assign(path);
      });
      plot.on("plotly_hover", (event) => {
        const linked = event.points && event.points.length && sitePath(event.points[0]);
        plot.style.cursor = linked ? "pointer" : "";
      });
    });
  }

  // htmx inserts a partial's scripts without "defer": plotly may arrive after this file
  function drawAll(root) {
    if (!window.Plotly) {
      window.setTimeout(() => drawAll(root), 50);
      return;
    }
    root.querySelectorAll("figure[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  document.addEventListener("htmx:afterSettle", (event) => drawAll(event.target || document));
  if (document.readyState !== "loading") drawAll(document);
})();
