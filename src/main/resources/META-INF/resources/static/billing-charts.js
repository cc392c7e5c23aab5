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

  // The chart's numbers as a table right under it, for screen readers and for reading exact values: a row per day
  // that has any value, a column per dataset. The canvas itself is an image that points to the table.
  function table(canvas) {
    const series = JSON.parse(canvas.dataset.series);
    const title = canvas.dataset.title || (canvas.closest('section') && canvas.closest('section').querySelector('h2')
      ? canvas.closest('section').querySelector('h2').textContent : 'Chart');
    const t = document.createElement('table');
    t.id = canvas.id + '-data';
    t.className = 'chart-data';
    const caption = t.createCaption();
    caption.textContent = title + ': the chart\'s data' + (canvas.dataset.unit ? ' (' + canvas.dataset.unit + ')' : '')
      + '; days without any are left out.';
    const head = t.createTHead().insertRow();
    const corner = document.createElement('th');
    corner.scope = 'col';
    corner.textContent = 'Day';
    head.append(corner);
    series.datasets.forEach(d => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.className = 'num';
      th.textContent = d.label;
      head.append(th);
    });
    const body = t.createTBody();
    series.labels.forEach((day, i) => {
      const values = series.datasets.map(d => d.data[i]);
      if (!values.some(v => Number(v) !== 0)) return;
      const row = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = day;
      row.append(th);
      values.forEach(v => {
        const td = row.insertCell();
        td.className = 'num';
        td.textContent = String(v);
      });
    });
    if (!body.rows.length) {
      const td = body.insertRow().insertCell();
      td.colSpan = series.datasets.length + 1;
      td.textContent = 'No data in this period.';
    }
    const wrap = document.createElement('div');
    wrap.className = 'scroll';
    wrap.tabIndex = 0; // keyboard users can scroll it when it is wider than the screen
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', caption.textContent);
    wrap.append(t);
    canvas.after(wrap);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', title + '. The same data is in the table below the chart.');
  }
  document.querySelectorAll('canvas[data-chart]').forEach(table);
  document.querySelectorAll('canvas[data-chart]').forEach(draw);
})();
