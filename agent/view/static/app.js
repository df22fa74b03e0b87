/* ultrarun view: the pages (run list, run page, compare), the JSON API and live updates.
   Routes live in the URL's hash: #/ (runs), #/run/KEY[/STEP], #/compare/KEY,KEY… */
(function (UR) {
  'use strict';
  var D = UR.dom, el = D.el, C = UR.charts;
  var main = document.getElementById('main');
  var where = document.getElementById('where');
  var current = null;  // the page on screen: {stop()}

  function api(path) {
    return fetch(path, {credentials: 'same-origin', cache: 'no-store'}).then(function (r) {
      if (!r.ok) return r.json().then(function (b) { throw new Error(b.error || r.statusText); },
                                      function () { throw new Error(r.status + ' ' + r.statusText); });
      return r.json();
    });
  }
  function q(obj) {
    return Object.keys(obj).map(function (k) { return k + '=' + encodeURIComponent(obj[k]); }).join('&');
  }
  function runUrl(key) { return '/api/runs/' + encodeURIComponent(key); }
  function badge(status) { return el('span', {'class': 'badge ' + status, text: status}); }
  function card(label, value, id) {
    return el('div', {'class': 'card', id: id || null}, [el('b', {text: value}), el('span', {text: label})]);
  }

  /* -- the run list -------------------------------------------------------------------------- */
  function listPage() {
    var state = {rows: [], sort: null, stop: false, timer: null, picked: {}};
    var status = el('select', {id: 'f-status'}, ['', 'running', 'finished', 'failed', 'interrupted']
      .map(function (s) { return el('option', {value: s, text: s || 'any status'}); }));
    var scenario = el('select', {id: 'f-scenario'}, [el('option', {value: '', text: 'any scenario'})]);
    var text = el('input', {type: 'search', id: 'f-text', placeholder: 'filter: id, model…'});
    var compareBtn = el('button', {type: 'button', id: 'compare-btn', text: 'compare selected', disabled: true});
    var table = el('table', {'class': 'runs', id: 'runs'});
    var note = el('p', {'class': 'muted small', id: 'runs-note'});
    D.append(D.clear(main), [el('h1', {text: 'Runs'}),
      el('div', {'class': 'filters'}, [status, scenario, text, compareBtn]), table, note]);
    [status, scenario].forEach(function (s) { s.addEventListener('change', draw); });
    text.addEventListener('input', draw);
    compareBtn.addEventListener('click', function () {
      location.hash = '#/compare/' + Object.keys(state.picked).map(encodeURIComponent).join(',');
    });
    var cols = [['', null], ['status', 'status'], ['run', 'key'], ['scenario', 'scenario'],
                ['model', 'model'], ['steps', 'steps'], ['grade', 'grade'], ['cost', 'cost'],
                ['age', 'updated_at']];

    function draw() {
      var rows = state.rows.filter(function (r) {
        var t = text.value.toLowerCase();
        return (!status.value || r.status === status.value) &&
               (!scenario.value || r.scenario === scenario.value) &&
               (!t || [r.key, r.model, r.scenario, r.run_id].join(' ').toLowerCase().indexOf(t) >= 0);
      });
      if (state.sort) {
        var k = state.sort[0], dir = state.sort[1];
        rows = rows.slice().sort(function (a, b) {
          var x = k === 'grade' ? (a.grade ? a.grade[0] / (a.grade[1] || 1) : -1) : a[k];
          var y = k === 'grade' ? (b.grade ? b.grade[0] / (b.grade[1] || 1) : -1) : b[k];
          return (x > y ? 1 : x < y ? -1 : 0) * dir;
        });
      }
      D.clear(table);
      table.appendChild(el('tr', null, cols.map(function (c) {
        return el('th', {text: c[0], 'on:click': c[1] ? function () {
          state.sort = [c[1], state.sort && state.sort[0] === c[1] ? -state.sort[1] : 1]; draw();
        } : null});
      })));
      rows.forEach(function (r) {
        var box = el('input', {type: 'checkbox', 'aria-label': 'select ' + r.key});
        box.checked = !!state.picked[r.key];
        box.addEventListener('change', function () {
          if (box.checked) state.picked[r.key] = true; else delete state.picked[r.key];
          compareBtn.disabled = Object.keys(state.picked).length < 2;
        });
        table.appendChild(el('tr', {dataset: {key: r.key}}, [
          el('td', null, [box]), el('td', null, [badge(r.status)]),
          el('td', {'class': 'id', title: r.path}, [el('a', {href: '#/run/' + encodeURIComponent(r.key), text: r.key})]),
          el('td', {text: r.scenario || '-'}), el('td', {text: r.model || '-'}),
          el('td', {text: D.int(r.steps)}),
          el('td', {text: r.grade ? r.grade[0] + '/' + r.grade[1] : '-'}),
          el('td', {text: r.model_kind === 'endpoint' ? D.cost(r.cost) : '-'}),
          el('td', {text: r.updated_at ? D.age(Date.now() / 1000 - r.updated_at) : '-'})]));
      });
      note.textContent = rows.length + ' of ' + state.rows.length + ' runs';
    }

    function load() {
      if (state.stop) return;
      api('/api/runs').then(function (data) {
        state.rows = data.runs;
        where.textContent = data.roots.join(', ');
        var have = {};
        Array.prototype.forEach.call(scenario.options, function (o) { have[o.value] = true; });
        data.runs.forEach(function (r) {
          if (r.scenario && !have[r.scenario]) { have[r.scenario] = true; scenario.appendChild(el('option', {value: r.scenario, text: r.scenario})); }
        });
        draw();
      }).catch(function (e) { note.textContent = 'cannot list runs: ' + e.message; })
        .then(function () { if (!state.stop) state.timer = setTimeout(load, 3000); });
    }
    load();
    return {stop: function () { state.stop = true; clearTimeout(state.timer); }};
  }

  /* -- one run ------------------------------------------------------------------------------- */
  function apiSource(key, page) {
    var base = runUrl(key);
    return {
      rows: function (s, e) { return api(base + '/rows?' + q({start: s, end: e})).then(function (d) { return d.rows; }); },
      detail: function (step) { return api(base + '/steps/' + step); },
      diff: function (step) { return api(base + '/steps/' + step + '/diff'); },
      search: function (text) { return api(base + '/search?' + q({q: text})); },
      position: function (step) { return api(base + '/position?' + q({step: step})).then(function (d) { return d.position; }); },
      nextFailing: function (pos, dir) { return api(base + '/failing?' + q({after: pos, dir: dir})).then(function (d) { return d.step; }); },
      page: page
    };
  }

  function runPage(key, step) {
    var st = {stop: false, cursor: {version: 0, calls: 0, evals: 0, alerts: 0}, calls: {},
              evals: [], alerts: [], header: null, axis: 'tool_calls', metric: 'prompt_tokens',
              stages: false, drawn: 0};
    var head = el('div', {id: 'run-head'});
    var banner = el('div', {id: 'banner'});
    var alertsBox = el('div', {'class': 'alerts', id: 'alerts'});
    var charts = el('div', {'class': 'charts', id: 'charts'});
    var stepsRoot = el('div', {id: 'steps'});
    D.append(D.clear(main), [head, banner, el('h2', {text: 'Alerts'}), alertsBox,
                             el('h2', {text: 'Charts'}), charts, el('h2', {text: 'Steps'}), stepsRoot]);
    var browser = new UR.StepBrowser(stepsRoot, apiSource(key), {
      live: true, onSelect: function (s) { location.hash = '#/run/' + encodeURIComponent(key) + '/' + s; }});

    function drawHead(h) {
      var t = h.totals, latest = h.latest;
      D.clear(head);
      head.appendChild(el('h1', null, [h.run_id + ' ', badge(h.status)]));
      head.appendChild(el('p', {'class': 'meta', text: [h.scenario, 'model ' + h.model + (h.model_kind ? ' (' + h.model_kind + ')' : ''),
        h.profile ? 'profile ' + h.profile : null, h.context ? 'context ' + h.context : null,
        h.end_reason ? 'ended: ' + h.end_reason : null].filter(Boolean).join(' · ')}));
      var b = h.budgets || {};
      D.append(head, [el('div', {'class': 'cards'}, [
        card('steps' + (b.max_steps ? ' of ' + D.int(b.max_steps) : ''), D.int(t.steps), 'c-steps'),
        card('tool calls', D.int(t.tool_calls), 'c-calls'),
        card('tokens in / out', D.compact(t.tokens_in) + ' / ' + D.compact(t.tokens_out)),
        card('cost' + (b.max_cost ? ' of $' + b.max_cost : ''), h.model_kind === 'endpoint' ? D.cost(t.cost) : 'no model cost'),
        card('elapsed' + (b.max_time_s ? ' of ' + D.duration(b.max_time_s) : ''), D.duration(h.elapsed_s)),
        card(h.grade ? 'final grade' : 'latest grade', h.grade ? h.grade.passed + '/' + h.grade.total :
             latest ? latest.passed + '/' + latest.total : '-', 'c-grade'),
        card('retries', D.int(t.retries), 'c-retries'),
        card('evaluations', D.int(t.evaluations))])]);
      D.clear(banner);
      if (h.error) banner.appendChild(el('div', {'class': 'banner error', text: 'error: ' + h.error}));
      if (h.outage) {
        banner.appendChild(el('div', {'class': 'banner warn', id: 'outage',
          text: 'endpoint not answering at step ' + h.outage.step + ': ' + h.outage.error +
                ' — attempt ' + h.outage.attempt + ', next in ' + Number(h.outage.wait_s || 0).toFixed(1) + ' s'}));
      }
      if (h.grading) {
        banner.appendChild(el('div', {'class': 'banner', id: 'grading',
          text: (h.grading.final ? 'final grading' : 'grading') + ' of step ' + h.grading.step +
                ' (' + h.grading.tool_calls + ' tool calls) since +' + D.duration(h.grading.t) +
                (h.grading.queued ? ', ' + h.grading.queued + ' more queued' : '')}));
      }
      if (h.loading) {
        banner.appendChild(el('div', {'class': 'banner', id: 'loading', text: 'reading the run… ' +
          Math.round(100 * h.read_bytes / Math.max(1, h.size)) + '% of ' + D.compact(h.size) + 'B'}));
      }
      document.body.dataset.loading = h.loading ? '1' : '0';
      (h.warnings || []).forEach(function (w) { banner.appendChild(el('div', {'class': 'banner warn', text: w})); });
    }

    function drawAlerts() {
      D.clear(alertsBox);
      if (!st.alerts.length) { alertsBox.appendChild(el('div', {'class': 'empty', text: 'no alerts'})); return; }
      st.alerts.slice(-300).reverse().forEach(function (a) {
        alertsBox.appendChild(el('div', {'class': 'alert ' + a.level, dataset: {kind: a.kind, step: a.step},
          'on:click': function () { browser.select(a.step); }},
          [el('span', {'class': 'where', text: 'step ' + a.step + ' +' + D.duration(a.t)}), a.message]));
      });
    }

    function drawCharts() {
      D.clear(charts);
      var open = function (s) { browser.select(s); };
      var axes = {tool_calls: 'tool calls', t: 'seconds since start', tokens: 'cumulative tokens'};
      var good = st.evals.filter(function (e) { return e.rate !== null; });
      var prog = el('div', {'class': 'chartbox', id: 'chart-progress'});
      var ctl = el('div', {'class': 'ctl'}, ['x axis: '].concat(Object.keys(axes).map(function (a) {
        return el('button', {type: 'button', 'class': st.axis === a ? 'on' : null, text: axes[a],
                             'on:click': function () { st.axis = a; drawCharts(); }});
      })).concat([' ', el('button', {type: 'button', 'class': st.stages ? 'on' : null, text: 'per stage',
                                     'on:click': function () { st.stages = !st.stages; drawCharts(); }})]));
      prog.appendChild(ctl);
      if (!good.length) prog.appendChild(el('div', {'class': 'empty', text: 'no evaluation yet'}));
      else if (!st.stages) {
        // The fuzz measure (scenarios with grader.fuzz): agreement with gcc on fresh programs,
        // and the gap between it and the pass rate (docs/metrics.md, "The overfitting gap").
        var fz = good.filter(function (e) { return e.fuzz && e.fuzz.rate !== null; });
        var series = [{name: 'pass rate', step: true, dots: true, color: '#2563eb',
                       points: good.map(function (e) { return [e[st.axis], e.rate, e.step]; })}];
        if (fz.length) {
          series.push({name: 'fuzz agreement', step: true, dots: true, color: '#9333ea',
                        points: fz.map(function (e) { return [e[st.axis], e.fuzz.rate, e.step]; })});
          series.push({name: 'gap (pass rate - fuzz agreement)', step: true, color: '#dc2626',
                       points: fz.map(function (e) { return [e[st.axis], e.rate - e.fuzz.rate, e.step]; })});
        }
        var low = Math.min.apply(null, [0].concat(fz.map(function (e) { return e.rate - e.fuzz.rate; })));
        prog.appendChild(C.lineChart({title: fz.length ? 'Hidden-test pass rate, fuzz agreement and the gap'
                                                       : 'Hidden-test pass rate',
          xLabel: axes[st.axis], yLabel: fz.length ? 'share' : 'pass rate',
          percent: true, yMin: low, yMax: 1, xMin: 0, onPoint: open, series: series}));
      } else {
        var names = {};
        good.forEach(function (e) { Object.keys(e.stages).forEach(function (k) { names[k] = true; }); });
        prog.appendChild(C.lineChart({title: 'Pass rate per stage (' + Object.keys(names).length + ' stages)',
          xLabel: axes[st.axis], yLabel: 'stage pass rate', percent: true, yMin: 0, yMax: 1, xMin: 0,
          onPoint: open, height: 320, series: Object.keys(names).sort().map(function (k) {
            return {name: k, step: true, dots: good.length <= 60, points: good.filter(function (e) { return e.stages[k] && e.stages[k][1]; })
              .map(function (e) { return [e[st.axis], e.stages[k][0] / e.stages[k][1], e.step]; })};
          })}));
      }
      charts.appendChild(prog);
      var cols = Object.keys(st.calls).filter(function (k) { return k !== 'step' && k !== 't'; }).sort();
      var has = function (k) { return (st.calls[k] || []).some(function (v) { return v !== null && v !== undefined; }); };
      if (!st.picked && !has(st.metric)) {  // a scripted run has no token counts: show what it has
        st.metric = ['prompt_tokens', 'completion_tokens', 'latency_s', 'cost'].concat(cols)
          .filter(has)[0] || st.metric;
      }
      var box = el('div', {'class': 'chartbox', id: 'chart-calls'});
      var pick = el('select', {id: 'call-metric', 'aria-label': 'per-call metric'}, cols.map(function (k) {
        return el('option', {value: k, text: k, selected: k === st.metric});
      }));
      pick.addEventListener('change', function () { st.metric = pick.value; st.picked = true; drawCharts(); });
      box.appendChild(el('div', {'class': 'ctl'}, ['per model call: ', pick]));
      var ys = st.calls[st.metric] || [], steps = st.calls.step || [];
      var pts = [];
      for (var i = 0; i < ys.length; i++) if (ys[i] !== null && ys[i] !== undefined) pts.push([steps[i], ys[i], steps[i]]);
      if (pts.length) {
        box.appendChild(C.lineChart({title: st.metric + ' per model call', xLabel: 'step', yLabel: st.metric,
          yMin: 0, onPoint: open, series: [{name: st.metric, dots: pts.length <= 400, points: pts, color: '#0891b2'}]}));
      } else box.appendChild(el('div', {'class': 'empty', text: 'no model call has ' + st.metric}));
      charts.appendChild(box);
      st.drawn = Date.now();
    }

    function apply(d) {
      st.header = d.header;
      Object.keys(d.calls).forEach(function (k) {
        if (!st.calls[k]) st.calls[k] = new Array(st.cursor.calls).fill(null);
        st.calls[k] = st.calls[k].concat(d.calls[k]);
      });
      Object.keys(st.calls).forEach(function (k) {
        if (!(k in d.calls) && st.calls[k].length < d.cursor.calls) {
          st.calls[k] = st.calls[k].concat(new Array(d.cursor.calls - st.calls[k].length).fill(null));
        }
      });
      var redraw = d.evals.length || d.cursor.calls !== st.cursor.calls || !st.drawn;
      st.evals = st.evals.concat(d.evals);
      st.alerts = st.alerts.concat(d.alerts);
      var layout = st.cursor.layout !== undefined && st.cursor.layout !== d.header.layout;
      st.cursor = d.cursor;
      st.cursor.layout = d.header.layout;
      drawHead(d.header);
      if (d.alerts.length || !st.drawn) drawAlerts();
      var loaded = st.loading && !d.header.loading;
      st.loading = d.header.loading;
      if (loaded || (redraw && (!st.drawn || Date.now() - st.drawn > 1000 ||
                                (d.evals.length && !d.header.loading)))) drawCharts();
      browser.invalidate(layout ? null : d.touched);
      browser.setCount(d.header.rows);
      document.body.dataset.version = d.header.version;
    }

    function poll(wait) {
      if (st.stop) return;
      var c = st.cursor;
      api(runUrl(key) + '/delta?' + q({version: c.version, calls: c.calls, evals: c.evals, alerts: c.alerts, wait: wait}))
        .then(function (d) { if (!st.stop) { apply(d); poll(d.header.loading ? 0 : d.header.status === 'running' ? 25 : 60); } })
        .catch(function (e) {
          if (st.stop) return;
          banner.appendChild(el('div', {'class': 'banner error', text: 'lost the server: ' + e.message + ' (retrying)'}));
          setTimeout(function () { poll(0); }, 3000);
        });
    }

    api(runUrl(key) + '/delta?' + q({version: 0, calls: 0, evals: 0, alerts: 0, wait: 0})).then(function (d) {
      apply(d);
      document.body.dataset.ready = '1';
      browser.follow.checked = d.header.status === 'running' && step === null;
      if (step !== null) browser.open(step);
      poll(d.header.loading ? 0 : d.header.status === 'running' ? 25 : 60);
    }).catch(function (e) { D.clear(main).appendChild(el('div', {'class': 'banner error', text: key + ': ' + e.message})); });

    return {key: key, browser: browser, open: function (s) { browser.open(s); },
            stop: function () { st.stop = true; }};
  }

  /* -- compare --------------------------------------------------------------------------------- */
  function comparePage(keys) {
    var st = {axis: 'tool_calls', data: null};
    var box = el('div');
    D.append(D.clear(main), [el('h1', {text: 'Compare ' + keys.length + ' runs'}), box]);
    function draw() {
      var d = st.data;
      D.clear(box);
      d.warnings.forEach(function (w) { box.appendChild(el('div', {'class': 'banner warn', text: w})); });
      var axes = {tool_calls: 'tool calls', t: 'seconds since start', tokens: 'cumulative tokens'};
      var chart = el('div', {'class': 'chartbox', id: 'compare-chart'}, [el('div', {'class': 'ctl'}, ['x axis: '].concat(
        Object.keys(axes).map(function (a) {
          return el('button', {type: 'button', 'class': st.axis === a ? 'on' : null, text: axes[a],
                               'on:click': function () { st.axis = a; draw(); }});
        })))]);
      chart.appendChild(C.lineChart({title: 'Hidden-test pass rate', xLabel: axes[st.axis], yLabel: 'pass rate',
        percent: true, yMin: 0, yMax: 1, xMin: 0, width: 900, height: 340, legend: true,
        onPoint: null, series: d.runs.map(function (r) {
          var good = r.evals.filter(function (e) { return e.rate !== null; });
          var end = st.axis === 'tool_calls' ? r.end.tool_calls : st.axis === 't' ? r.end.t : r.end.tokens;
          return {name: r.label, step: true, dots: good.length <= 200, until: end + (st.axis === 'tool_calls' ? r.offset : 0),
                  points: good.map(function (e) { return [e[st.axis] + (st.axis === 'tool_calls' ? r.offset : 0), e.rate, e.step]; })};
        })}));
      box.appendChild(chart);
      var table = el('table', {'class': 'runs', id: 'compare-table'});
      table.appendChild(el('tr', null, [el('th', {text: ''})].concat(d.runs.map(function (r) {
        return el('th', null, [el('a', {href: '#/run/' + encodeURIComponent(r.key), text: r.label})]);
      }))));
      d.rows.forEach(function (row) {
        table.appendChild(el('tr', null, [el('th', {text: row[0]})].concat(row[1].map(function (v) { return el('td', {text: v}); }))));
      });
      box.appendChild(table);
      document.body.dataset.ready = '1';
    }
    api('/api/compare?' + q({keys: keys.join(',')})).then(function (d) { st.data = d; draw(); })
      .catch(function (e) { box.appendChild(el('div', {'class': 'banner error', text: e.message})); });
    return {stop: function () {}};
  }

  /* -- routing --------------------------------------------------------------------------------- */
  function route() {
    var h = location.hash.replace(/^#\/?/, '');
    var parts = h.split('/').map(function (p) { try { return decodeURIComponent(p); } catch (e) { return p; } });
    document.body.dataset.ready = '';
    if (parts[0] === 'run' && parts[1]) {
      var step = parts[2] !== undefined && parts[2] !== '' ? parseInt(parts[2], 10) : null;
      if (current && current.key === parts[1]) {  // same run: only the step changed
        if (step !== null) current.open(step);
        document.body.dataset.ready = '1';
        return;
      }
      if (current) current.stop();
      current = runPage(parts[1], step);
    } else if (parts[0] === 'compare' && parts[1]) {
      if (current) current.stop();
      current = comparePage(parts[1].split(',').filter(Boolean));
    } else {
      if (current) current.stop();
      current = listPage();
    }
  }
  window.addEventListener('hashchange', route);
  route();
})(window.UR = window.UR || {});
