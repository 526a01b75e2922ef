/* Charts of the Arbiter dashboard: a thin layer over uPlot (served from the jar, from its WebJar). */
(function (global) {
  'use strict';

  // Graphics colours: each at least 3:1 against white (WCAG 1.4.11), and distinct for the usual colour blindness.
  var PALETTE = ['#0a4f9c', '#c05600', '#1b7a3a', '#7b2cbf', '#8f6a00', '#a4161a', '#00727d', '#5d4037'];
  var charts = {};

  function color(i) {
    return PALETTE[i % PALETTE.length];
  }

  function format(v, digits) {
    if (v === null || v === undefined || isNaN(v)) {
      return '–';
    }
    return Number(v).toFixed(digits === undefined ? 3 : digits);
  }

  function parts(el, title) {
    var caption = el.querySelector('.caption');
    if (!caption) {
      caption = document.createElement('div');
      caption.className = 'caption';
      el.appendChild(caption);
      var empty = document.createElement('div');
      empty.className = 'empty';
      el.appendChild(empty);
      var plot = document.createElement('div');
      plot.className = 'plot';
      plot.setAttribute('role', 'img');
      el.appendChild(plot);
    }
    caption.textContent = title;
    return {caption: caption, empty: el.querySelector('.empty'), plot: el.querySelector('.plot')};
  }

  /**
   * Draws or updates the chart in the element with id `id`.
   * spec: {title, summary, x: [...], series: [{label, values, display, color (palette index)}], time (x in seconds), logX, yRange,
   *        yLabel, xLabel, fill, bars, emptyText}
   */
  function draw(id, spec) {
    var el = document.getElementById(id);
    if (!el) {
      return;
    }
    var p = parts(el, spec.title);
    var points = 0;
    // one x value gives uPlot no range to draw against: wait for the second sample
    (spec.x.length < 2 ? [] : spec.series).forEach(function (s) {
      s.values.forEach(function (v) {
        if (v !== null && v !== undefined) {
          points++;
        }
      });
    });
    el.setAttribute('data-points', String(points));
    p.plot.setAttribute('aria-label', spec.title + '. ' + (spec.summary || ''));
    if (spec.x.length === 0 || points === 0) {
      p.empty.textContent = spec.x.length === 1 ? 'One point so far; the chart starts with the second.'
        : spec.emptyText || 'No data yet.';
      p.empty.hidden = false;
      p.plot.hidden = true;
      if (charts[id]) {
        charts[id].plot.destroy();
        delete charts[id];
      }
      return;
    }
    p.empty.hidden = true;
    p.plot.hidden = false;
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var key = [spec.title, spec.time !== false, !!spec.logX, spec.series.map(function (s) { return s.label; })]
      .join('|');
    var existing = charts[id];
    if (existing && existing.key === key) {
      existing.displays.splice.apply(existing.displays, [0, existing.displays.length]
        .concat(spec.series.map(function (s) { return s.display || null; })));
      existing.plot.setData(data);
      return;
    }
    if (existing) {
      existing.plot.destroy();
    }
    var displays = spec.series.map(function (s) { return s.display || null; });
    var axis = {stroke: '#1a1a1a', grid: {stroke: '#e3e6ea', width: 1}, ticks: {stroke: '#c9ced6', width: 1}};
    var opts = {
      width: Math.max(320, (el.clientWidth || 460) - 4),
      height: 220,
      cursor: {drag: {x: false, y: false}},
      scales: {
        x: {time: spec.time !== false, distr: spec.logX ? 3 : 1},
        y: spec.yRange ? {range: function () { return spec.yRange; }} : {}
      },
      series: [{label: spec.xLabel || 'time'}].concat(spec.series.map(function (s, i) {
        var c = color(s.color !== undefined ? s.color : i);
        var series = {
          label: s.label,
          stroke: c,
          width: 2,
          value: function (u, v, sIdx, idx) {
            var shown = displays[i] && idx !== null && idx !== undefined ? displays[i][idx] : v;
            return format(shown, spec.digits);
          }
        };
        if (spec.fill) {
          series.fill = c + 'b3';
        }
        if (spec.bars && global.uPlot.paths && global.uPlot.paths.bars) {
          series.paths = global.uPlot.paths.bars({size: [0.8]});
          series.fill = c + 'b3';
        }
        return series;
      })),
      axes: [Object.assign({}, axis, spec.xLabel && spec.time === false ? {label: spec.xLabel} : {}),
        Object.assign({}, axis, spec.yLabel ? {label: spec.yLabel} : {})]
    };
    charts[id] = {key: key, displays: displays, plot: new global.uPlot(opts, data, p.plot)};
  }

  /** Normal density at x. */
  function normal(x, mean, sd) {
    var z = (x - mean) / sd;
    return Math.exp(-0.5 * z * z) / (sd * Math.sqrt(2 * Math.PI));
  }

  function logGamma(x) {
    // Lanczos approximation (g = 7, n = 9)
    var c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
      -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
    if (x < 0.5) {
      return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
    }
    x -= 1;
    var a = c[0];
    var t = x + 7.5;
    for (var i = 1; i < 9; i++) {
      a += c[i] / (x + i);
    }
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  }

  /** Beta(a, b) density at x in (0, 1). */
  function beta(x, a, b) {
    if (x <= 0 || x >= 1) {
      return 0;
    }
    return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x) + logGamma(a + b) - logGamma(a) - logGamma(b));
  }

  global.ArbiterCharts = {draw: draw, color: color, format: format, normal: normal, beta: beta};
}(window));
