/* ultrarun report: the step browser of the viewer, fed from the data embedded in the page
   (every step; texts cut to a bound). Chart points link to #step-N. */
(function (UR) {
  'use strict';
  var node = document.getElementById('ur-steps');
  var root = document.getElementById('steps-app');
  if (!node || !root) return;
  var data = JSON.parse(node.textContent);
  var details = data.details, pos = {}, rows = [];

  function lower(d) {
    if (d._text === undefined) {
      var parts = [];
      if (d.model) parts.push(d.model.content || '', d.model.reasoning || '');
      d.calls.forEach(function (c) {
        parts.push(c.name, c.headline, JSON.stringify(c.arguments || {}), c.raw_arguments || '');
        if (c.result) parts.push(c.result.output || '');
      });
      d.messages.forEach(function (m) { parts.push(m.content || ''); });
      d._text = parts.join('\n');
      d._low = d._text.toLowerCase();
    }
    return d._low;
  }

  details.forEach(function (d, i) {
    pos[d.step] = i;
    var failed = 0;
    d.calls.forEach(function (c) { if (c.result && c.result.failed) failed += 1; });
    rows.push({
      step: d.step, t: d.model ? d.model.t : (d.t || 0), failed: failed, more: 0,
      tools: d.calls.slice(0, 12).map(function (c) {
        return {name: c.name, text: c.headline, exit: c.result ? c.result.exit_code : null,
                ok: c.result ? !c.result.failed : null};
      }),
      changed: !!(d.snapshot && d.snapshot.changed), done: !!d.snapshot,
      text_only: d.messages.some(function (m) { return m.reason === 'format_error'; }),
      model_failed: !d.model && d.others.some(function (o) { return o.type === 'error'; }),
      retries: d.model && d.model.retries ? d.model.retries.length : 0,
      thought: d.model && d.model.content ? d.model.content.slice(0, 160) : '',
      evals: d.evaluations.map(function (e) { return [e.passed, e.total]; }), marks: []
    });
  });

  function done(v) { return Promise.resolve(v); }
  var source = {
    rows: function (s, e) { return done(rows.slice(s, e)); },
    detail: function (step) { return done(pos[step] === undefined ? null : details[pos[step]]); },
    diff: function (step) { return done(data.diffs[step] || null); },
    position: function (step) { return done(pos[step] === undefined ? null : pos[step]); },
    nextFailing: function (p, dir) {
      for (var i = p + (dir < 0 ? -1 : 1); i >= 0 && i < rows.length; i += dir < 0 ? -1 : 1) {
        var r = rows[i];
        if (r.failed || r.text_only || r.model_failed) return done(r.step);
      }
      return done(null);
    },
    search: function (q) {
      var low = q.toLowerCase(), out = [];
      details.forEach(function (d) {
        var at = lower(d).indexOf(low);
        if (at < 0 || out.length >= 500) return;
        var text = d._text, a = Math.max(0, at - 60), b = Math.min(text.length, at + low.length + 60);
        out.push({step: d.step, hits: [{where: 'step', snippet: (a ? '…' : '') +
          text.slice(a, b).replace(/\s+/g, ' ') + (b < text.length ? '…' : '')}]});
      });
      return done({query: q, steps: out, more: out.length >= 500});
    }
  };

  var browser = new UR.StepBrowser(root, source, {});
  browser.setCount(rows.length);
  function route() {
    var m = /^#step-(\d+)$/.exec(location.hash);
    if (m) {
      browser.open(parseInt(m[1], 10));
      root.scrollIntoView();
    }
  }
  window.addEventListener('hashchange', route);
  route();
  document.body.setAttribute('data-steps', String(rows.length));
})(window.UR = window.UR || {});
