// Draws every <canvas data-chart="..."> from its data-series JSON ({labels, datasets:[{label, data}]}).
// Chart.js is vendored under /static/vendor/chartjs (no CDN).
(function () {
  const palette = ['#1d6fa5', '#ffb347', '#2e9d6b', '#c2410c', '#7c3aed', '#0891b2', '#be185d', '#4d7c0f'];
  function draw(canvas) {
    const series = JSON.parse(canvas.dataset.series);
    const kind = canvas.dataset.chart || 'bar';
    series.datasets.forEach((d, i) => {
      d.backgroundColor = palette[i % palette.length];
      d.borderColor = palette[i % palette.length];
    });
    const chart = new Chart(canvas, {
      type: kind,
      data: series,
      options: {
        responsive: true,
        animation: false,
        plugins: { legend: { position: 'bottom' }, title: { display: !!canvas.dataset.title, text: canvas.dataset.title } },
        scales: { x: { stacked: kind === 'bar' }, y: { stacked: kind === 'bar', beginAtZero: true,
          title: { display: !!canvas.dataset.unit, text: canvas.dataset.unit } } }
      }
    });
    canvas.dataset.rendered = String(chart.data.datasets.length);
  }
  document.querySelectorAll('canvas[data-chart]').forEach(draw);
})();
