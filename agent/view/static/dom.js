/* ultrarun view: DOM helpers and number formats. Run text only ever reaches the page through
   textContent (never innerHTML), so whatever a trajectory holds stays text. */
(function (UR) {
  'use strict';
  var SVGNS = 'http://www.w3.org/2000/svg';

  function setAttrs(node, attrs) {
    if (!attrs) return node;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') node.textContent = String(v);
      else if (k.slice(0, 3) === 'on:') node.addEventListener(k.slice(3), v);
      else if (k === 'dataset') Object.keys(v).forEach(function (d) { node.dataset[d] = String(v[d]); });
      else node.setAttribute(k, v === true ? '' : String(v));
    });
    return node;
  }

  function append(node, children) {
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ?
        document.createTextNode(String(c)) : c);
    });
    return node;
  }

  /* el('div', {class: 'x', text: 'hello'}, [children]) */
  function el(tag, attrs, children) {
    return append(setAttrs(document.createElement(tag), attrs), children);
  }

  function svg(tag, attrs, children) {
    return append(setAttrs(document.createElementNS(SVGNS, tag), attrs), children);
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function int(n) {
    if (n === null || n === undefined) return '-';
    return Number(n).toLocaleString('en-US');
  }

  function compact(v) {
    if (v === null || v === undefined || isNaN(v)) return '-';
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(0) + 'k';
    if (a >= 1e3) return (v / 1e3).toFixed(1) + 'k';
    if (v === Math.round(v)) return String(v);
    return a >= 10 ? v.toFixed(1) : v.toFixed(a >= 1 ? 2 : 3);
  }

  function pct(v) {
    return v === null || v === undefined ? '-' : (v * 100).toFixed(1) + '%';
  }

  function duration(s) {
    if (s === null || s === undefined) return '-';
    s = Math.max(0, Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (h) return h + 'h' + (m < 10 ? '0' : '') + m + 'm';
    if (m) return m + 'm' + (sec < 10 ? '0' : '') + sec + 's';
    return sec + 's';
  }

  function age(seconds) {
    var s = Math.max(0, Math.round(seconds));
    if (s < 90) return s + ' s';
    if (s < 5400) return Math.floor(s / 60) + ' min';
    if (s < 172800) return Math.floor(s / 3600) + ' h';
    return Math.floor(s / 86400) + ' d';
  }

  function cost(v) {
    return v === null || v === undefined ? 'unknown' : '$' + Number(v).toFixed(4);
  }

  /* text with each occurrence of `query` (case-insensitive) wrapped in <mark>, as nodes */
  function marked(text, query) {
    var out = [], low = text.toLowerCase(), q = (query || '').toLowerCase(), at = 0;
    if (!q) return [text];
    for (;;) {
      var i = low.indexOf(q, at);
      if (i < 0) break;
      if (i > at) out.push(text.slice(at, i));
      out.push(el('mark', {text: text.slice(i, i + q.length)}));
      at = i + q.length;
    }
    if (at < text.length) out.push(text.slice(at));
    return out;
  }

  UR.dom = {el: el, svg: svg, clear: clear, append: append, int: int, compact: compact,
            pct: pct, duration: duration, age: age, cost: cost, marked: marked};
})(window.UR = window.UR || {});
