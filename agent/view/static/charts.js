/* ultrarun view: SVG line charts drawn with DOM calls (no library). A point carries the step
   it belongs to; clicking it (or anywhere on the plot: the nearest point) opens that step. */
(function (UR) {
  'use strict';
  var D = UR.dom;
  var PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04',
                 '#db2777', '#4b5563', '#65a30d', '#7c3aed', '#0d9488', '#b45309', '#be123c',
                 '#1e40af', '#15803d', '#a21caf', '#c2410c', '#0369a1', '#4d7c0f'];
  var MAX_POINTS = 2000, MAX_DOTS = 400;

  function ticks(lo, hi, n) {
    if (!(hi > lo)) return [lo];
    var raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * mag; })
      .filter(function (s) { return s >= raw; })[0];
    var out = [], v = Math.ceil(lo / step) * step;
    while (v <= hi + step * 1e-9) { out.push(Math.round(v * 1e10) / 1e10); v += step; }
    return out;
  }

  function thin(points) {
    if (points.length <= MAX_POINTS) return points;
    var k = Math.ceil(points.length / MAX_POINTS), out = [];
    for (var i = 0; i < points.length; i += k) out.push(points[i]);
    if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
    return out;
  }

  /* opts: {title, xLabel, yLabel, series: [{name, color, points: [[x, y, step]], step: bool,
     dots: bool, until: x (hold a step line to here; default: its last point)}], percent,
     yMin, yMax, xMin, xMax, width, height, onPoint(step), legendMax} */
  function lineChart(opts) {
    var W = opts.width || 640, H = opts.height || 260;
    var pl = 58, pr = 16, pt = 28, pb = 40, pw = W - pl - pr, ph = H - pt - pb;
    var xs = [], ys = [];
    opts.series.forEach(function (s) {
      s.points.forEach(function (p) { if (p[1] !== null && p[1] !== undefined) { xs.push(p[0]); ys.push(p[1]); } });
      if (s.until !== undefined) xs.push(s.until);
    });
    var x0 = opts.xMin !== undefined ? opts.xMin : Math.min.apply(null, xs.concat([0]));
    var x1 = opts.xMax !== undefined ? opts.xMax : Math.max.apply(null, xs.concat([1]));
    var y0 = opts.yMin !== undefined ? opts.yMin : Math.min.apply(null, ys.concat([0]));
    var y1 = opts.yMax !== undefined ? opts.yMax : Math.max.apply(null, ys.length ? ys : [1]);
    if (!(x1 > x0)) x1 = x0 + 1;
    if (!(y1 > y0)) y1 = y0 + 1;
    function sx(x) { return +(pl + (x - x0) / (x1 - x0) * pw).toFixed(2); }
    function sy(y) { return +(pt + ph - (y - y0) / (y1 - y0) * ph).toFixed(2); }
    function fy(v) { return opts.percent ? Math.round(v * 100) + '%' : D.compact(v); }
    var root = D.svg('svg', {'class': 'chart', viewBox: '0 0 ' + W + ' ' + H, width: W, height: H,
                             role: 'img', 'aria-label': opts.title});
    root.appendChild(D.svg('text', {x: pl, y: 17, 'class': 'ct', text: opts.title}));
    ticks(y0, y1, 5).forEach(function (t) {
      root.appendChild(D.svg('line', {x1: pl, x2: pl + pw, y1: sy(t), y2: sy(t), 'class': 'grid'}));
      root.appendChild(D.svg('text', {x: pl - 6, y: sy(t) + 4, 'class': 'tl', 'text-anchor': 'end', text: fy(t)}));
    });
    ticks(x0, x1, 8).forEach(function (t) {
      root.appendChild(D.svg('line', {x1: sx(t), x2: sx(t), y1: pt + ph, y2: pt + ph + 4, 'class': 'axis'}));
      root.appendChild(D.svg('text', {x: sx(t), y: pt + ph + 16, 'class': 'tl', 'text-anchor': 'middle', text: D.compact(t)}));
    });
    root.appendChild(D.svg('rect', {x: pl, y: pt, width: pw, height: ph, 'class': 'frame'}));
    root.appendChild(D.svg('text', {x: pl + pw / 2, y: H - 5, 'class': 'al', 'text-anchor': 'middle', text: opts.xLabel}));
    root.appendChild(D.svg('text', {x: 14, y: pt + ph / 2, 'class': 'al', 'text-anchor': 'middle',
                                    transform: 'rotate(-90 14 ' + (pt + ph / 2) + ')', text: opts.yLabel}));
    var all = [];  // every drawn point, for the nearest-point click
    var hit = D.svg('rect', {x: pl, y: pt, width: pw, height: ph, 'class': 'hit'});
    root.appendChild(hit);
    opts.series.forEach(function (s, i) {
      var color = s.color || PALETTE[i % PALETTE.length];
      var pts = thin(s.points.filter(function (p) { return p[1] !== null && p[1] !== undefined; }));
      if (!pts.length) return;
      var d = [], prev = null;
      pts.forEach(function (p) {
        if (s.step && prev !== null) d.push(sx(p[0]) + ',' + sy(prev));
        d.push(sx(p[0]) + ',' + sy(p[1]));
        prev = p[1];
      });
      if (s.step && s.until !== undefined && s.until > pts[pts.length - 1][0]) {
        d.push(sx(Math.min(s.until, x1)) + ',' + sy(prev));
      }
      var path = D.svg('path', {'class': 'series', d: 'M' + d.join(' L'), stroke: color});
      path.appendChild(D.svg('title', {text: s.name}));
      root.appendChild(path);
      var dots = s.dots && pts.length <= MAX_DOTS;
      pts.forEach(function (p) {
        all.push(p);
        if (!dots) return;
        var c = D.svg('circle', {cx: sx(p[0]), cy: sy(p[1]), r: 3.5, fill: color, 'class': 'pt',
                                 dataset: {step: p[2]}});
        c.appendChild(D.svg('title', {text: s.name + ': ' + fy(p[1]) + ' at ' + D.compact(p[0]) +
                                        (p[2] !== undefined ? ' (step ' + p[2] + ')' : '')}));
        if (opts.onPoint && p[2] !== undefined) {
          c.addEventListener('click', function (ev) { ev.stopPropagation(); opts.onPoint(p[2]); });
        }
        root.appendChild(c);
      });
    });
    if (opts.onPoint) {
      all.sort(function (a, b) { return a[0] - b[0]; });
      hit.addEventListener('click', function (ev) {
        if (!all.length) return;
        var box = root.getBoundingClientRect();
        var x = x0 + ((ev.clientX - box.left) * W / box.width - pl) / pw * (x1 - x0);
        var lo = 0, hi = all.length - 1;
        while (lo < hi) { var mid = (lo + hi) >> 1; if (all[mid][0] < x) lo = mid + 1; else hi = mid; }
        var best = all[lo];
        if (lo > 0 && Math.abs(all[lo - 1][0] - x) < Math.abs(best[0] - x)) best = all[lo - 1];
        if (best[2] !== undefined) opts.onPoint(best[2]);
      });
    }
    var shown = opts.series.slice(0, opts.legendMax || 60);
    if (shown.length > 1 || (shown.length === 1 && opts.legend)) {
      var cols = Math.max(1, Math.floor(pw / 190)), rowsN = Math.ceil(shown.length / cols);
      if (rowsN > 6) {  // a long legend goes below the plot: the chart grows for it
        H += rowsN * 14 + 8;
        root.setAttribute('height', H);
        root.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
      }
      shown.forEach(function (s, i) {
        var c = i % cols, r = Math.floor(i / cols);
        var lx = pl + 6 + c * 190, ly = rowsN > 6 ? (pt + ph + 50 + r * 14) : (pt + 12 + r * 14);
        if (rowsN <= 6) root.appendChild(D.svg('rect', {x: lx - 3, y: ly - 10, width: 186, height: 14, 'class': 'lgbg'}));
        root.appendChild(D.svg('rect', {x: lx, y: ly - 8, width: 9, height: 9, fill: s.color || PALETTE[i % PALETTE.length]}));
        root.appendChild(D.svg('text', {x: lx + 13, y: ly, 'class': 'lg', text: s.name.length > 28 ? s.name.slice(0, 27) + '…' : s.name},
                               [D.svg('title', {text: s.name})]));
      });
    }
    return root;
  }

  UR.charts = {lineChart: lineChart, PALETTE: PALETTE};
})(window.UR = window.UR || {});
