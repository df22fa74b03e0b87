/* ultrarun view: the step browser. A virtualised list of every step (only the rows in sight
   are in the DOM; rows are fetched by page), a search box, and a detail panel with the model's
   turn, each call's arguments in a readable form, results, evaluations and the coloured diff.
   Used by the live viewer (data from the JSON API) and by the HTML report (data embedded). */
(function (UR) {
  'use strict';
  var D = UR.dom, el = D.el;
  var ROW_H = 28, PAGE = 100;

  /* source: {count(), rows(start, end) -> Promise, detail(step) -> Promise,
              diff(step) -> Promise, search(q) -> Promise, output(step, callId) -> Promise|null} */
  function StepBrowser(root, source, opts) {
    this.root = root;
    this.source = source;
    this.opts = opts || {};
    this.cache = {};       // position -> row
    this.pending = {};     // page -> true while fetched
    this.count = 0;
    this.selected = null;  // step number
    this.failOnly = false;
    this.query = '';
    this.build();
  }

  StepBrowser.prototype.build = function () {
    var self = this;
    this.search = el('input', {type: 'search', placeholder: 'search commands, outputs, thoughts…',
                                id: 'step-search', 'aria-label': 'search the steps'});
    var timer = null;
    this.search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.runSearch(self.search.value); }, 250);
    });
    this.follow = el('input', {type: 'checkbox', id: 'follow-tail'});
    this.follow.checked = !!this.opts.live;
    this.results = el('div', {'class': 'results', id: 'search-results', hidden: true});
    this.list = el('div', {'class': 'vlist', id: 'step-list', tabindex: '0'});
    this.spacer = el('div', {'class': 'spacer'});
    this.list.appendChild(this.spacer);
    this.list.addEventListener('scroll', function () { self.render(); });
    this.detail = el('div', {'class': 'detail', id: 'step-detail'},
                     [el('div', {'class': 'empty', text: 'Pick a step (or a point on a chart).'})]);
    var bar = el('div', {'class': 'steps-bar'}, [
      this.search,
      el('button', {type: 'button', id: 'prev-fail', text: '◀ failing',
                    'on:click': function () { self.jumpFailing(-1); }}),
      el('button', {type: 'button', id: 'next-fail', text: 'failing ▶',
                    'on:click': function () { self.jumpFailing(1); }}),
      this.opts.live ? el('label', {'class': 'small'}, [this.follow, ' follow the newest step']) : null,
      this.countLabel = el('span', {'class': 'muted small', id: 'step-count'})]);
    D.append(this.root, [bar, this.results,
      el('div', {'class': 'split'}, [el('div', {'class': 'steps-pane'}, [this.list]),
                                     el('div', {'class': 'detail-pane'}, [this.detail])])]);
    this.list.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowDown' || ev.key === 'j') { self.move(1); ev.preventDefault(); }
      if (ev.key === 'ArrowUp' || ev.key === 'k') { self.move(-1); ev.preventDefault(); }
    });
  };

  StepBrowser.prototype.setCount = function (n) {
    var grew = n > this.count;
    this.count = n;
    this.spacer.style.height = (n * ROW_H) + 'px';
    this.countLabel.textContent = D.int(n) + ' steps';
    if (grew && this.follow.checked) this.list.scrollTop = this.list.scrollHeight;
    this.render();
  };

  /* forget rows at these positions (null: all) and draw again */
  StepBrowser.prototype.invalidate = function (positions) {
    var self = this;
    if (positions === null) { this.cache = {}; }
    else positions.forEach(function (p) { delete self.cache[p]; });
    this.render();
    if (this.selected !== null && this.opts.live && positions !== null) {
      // the open step may have grown (its results, its evaluation)
      var pos = this.positionOf(this.selected);
      if (pos !== null && positions.indexOf(pos) >= 0) this.open(this.selected, true);
    }
  };

  StepBrowser.prototype.positionOf = function (step) {
    for (var p in this.cache) if (this.cache[p].step === step) return +p;
    return null;
  };

  StepBrowser.prototype.render = function () {
    var top = this.list.scrollTop, h = this.list.clientHeight || 560;
    var first = Math.max(0, Math.floor(top / ROW_H) - 10);
    var last = Math.min(this.count, Math.ceil((top + h) / ROW_H) + 10);
    var keep = {};
    for (var p = first; p < last; p++) {
      keep[p] = true;
      var row = this.cache[p];
      if (!row) { this.fetch(Math.floor(p / PAGE)); continue; }
      var node = this.spacer.querySelector('[data-pos="' + p + '"]');
      if (node && node.dataset.v === row._v) continue;
      var fresh = this.rowNode(row, p);
      if (node) this.spacer.replaceChild(fresh, node); else this.spacer.appendChild(fresh);
    }
    Array.prototype.slice.call(this.spacer.children).forEach(function (n) {
      if (!keep[n.dataset.pos]) n.remove();
    });
  };

  StepBrowser.prototype.fetch = function (page) {
    var self = this;
    if (this.pending[page]) return;
    this.pending[page] = true;
    this.source.rows(page * PAGE, Math.min(this.count, (page + 1) * PAGE)).then(function (rows) {
      delete self.pending[page];
      rows.forEach(function (r, i) { r._v = String(Math.random()); self.cache[page * PAGE + i] = r; });
      self.render();
    }, function () { delete self.pending[page]; });
  };

  StepBrowser.prototype.rowNode = function (r, pos) {
    var self = this;
    var bad = r.failed || r.text_only || r.model_failed;
    var parts = [el('span', {'class': 'num', text: r.step}),
                 el('span', {'class': 'tm', text: '+' + D.duration(r.t)})];
    if (r.step === 0) {
      parts.push(el('span', {'class': 'muted', text: '(start: the task and the initial workspace)'}));
    } else if (r.tools.length) {
      r.tools.forEach(function (c, i) {
        if (i) parts.push('; ');
        parts.push(el('span', {'class': 'tool', text: c.name + ': ' + c.text}));
        if (c.exit !== null && c.exit !== undefined && c.exit !== 0) parts.push(el('span', {'class': 'x', text: ' → exit ' + c.exit}));
        else if (c.ok === false) parts.push(el('span', {'class': 'x', text: ' → failed'}));
      });
      if (r.more) parts.push(el('span', {'class': 'muted', text: ' (+' + r.more + ' more)'}));
    } else if (r.model_failed) {
      parts.push(el('span', {'class': 'x', text: '(model call failed)'}));
    } else if (r.text_only) {
      parts.push(el('span', {'class': 'x', text: '(no tool call: text only)'}));
    } else if (r.thought) {
      parts.push(el('span', {'class': 'muted', text: r.thought}));
    }
    if (r.changed) parts.push(el('span', {'class': 'chg', title: 'changed the workspace', text: '*'}));
    r.evals.forEach(function (e) { parts.push(el('span', {'class': 'ev', text: e[0] + '/' + e[1]})); });
    if (r.retries) parts.push(el('span', {'class': 'mk', text: r.retries + (r.retries === 1 ? ' retry' : ' retries')}));
    r.marks.forEach(function (m) { if (m !== 'retry') parts.push(el('span', {'class': 'mk', text: m})); });
    var node = el('div', {'class': 'row' + (bad ? ' bad' : '') + (r.step === this.selected ? ' sel' : ''),
                          dataset: {pos: pos, step: r.step, v: r._v}, title: 'step ' + r.step}, parts);
    node.style.top = (pos * ROW_H) + 'px';
    node.addEventListener('click', function () { self.select(r.step); });
    return node;
  };

  StepBrowser.prototype.select = function (step) {
    if (this.opts.onSelect) this.opts.onSelect(step); else this.open(step);
  };

  /* show step `step`: highlight and scroll its row into view, load its detail */
  StepBrowser.prototype.open = function (step, quiet) {
    var self = this;
    this.selected = step;
    Array.prototype.forEach.call(this.spacer.children, function (n) {
      n.classList.toggle('sel', +n.dataset.step === step);
    });
    Promise.resolve(this.source.position(step)).then(function (pos) {
      if (pos === null || pos === undefined || quiet) return;
      var top = pos * ROW_H, view = self.list.scrollTop, h = self.list.clientHeight || 560;
      if (top < view || top > view + h - ROW_H) self.list.scrollTop = Math.max(0, top - h / 3);
      self.render();
    });
    Promise.all([this.source.detail(step), this.source.diff(step)]).then(function (got) {
      if (self.selected !== step) return;
      self.showDetail(got[0], got[1]);
    }, function (err) {
      D.clear(self.detail).appendChild(el('div', {'class': 'empty', text: 'step ' + step + ': ' + err}));
    });
  };

  StepBrowser.prototype.move = function (delta) {
    var self = this;
    if (this.selected === null) return;
    Promise.resolve(this.source.position(this.selected)).then(function (pos) {
      if (pos === null || pos === undefined) return;
      var next = pos + delta;
      if (next < 0 || next >= self.count) return;
      var row = self.cache[next];
      if (row) { self.select(row.step); return; }
      self.source.rows(next, next + 1).then(function (rows) { if (rows.length) self.select(rows[0].step); });
    });
  };

  StepBrowser.prototype.jumpFailing = function (dir) {
    var self = this;
    Promise.resolve(this.selected === null ? (dir > 0 ? -1 : this.count) : this.source.position(this.selected))
      .then(function (pos) {
        return self.source.nextFailing(pos === null ? -1 : pos, dir);
      }).then(function (step) { if (step !== null && step !== undefined) self.select(step); });
  };

  StepBrowser.prototype.runSearch = function (q) {
    var self = this;
    this.query = q;
    if (!q.trim()) { this.results.hidden = true; D.clear(this.results); return; }
    this.source.search(q).then(function (res) {
      if (self.query !== q) return;
      D.clear(self.results);
      self.results.hidden = false;
      if (!res.steps.length) {
        self.results.appendChild(el('div', {'class': 'empty', text: 'no step holds “' + q + '”'}));
        return;
      }
      self.results.appendChild(el('div', {'class': 'muted small hit-row',
        text: res.steps.length + (res.more ? '+' : '') + ' steps hold “' + q + '”'}));
      res.steps.forEach(function (s) {
        s.hits.forEach(function (h, i) {
          if (i > 1) return;
          self.results.appendChild(el('div', {'class': 'hit-row', dataset: {step: s.step},
            'on:click': function () { self.select(s.step); }},
            [el('b', {text: 'step ' + s.step}), el('span', {'class': 'where', text: h.where})]
              .concat(D.marked(h.snippet, q))));
        });
      });
    });
  };

  /* -- the detail panel ------------------------------------------------------------------ */
  function block(label, children) {
    return el('div', {'class': 'block'}, [el('div', {'class': 'label', text: label})].concat(children));
  }

  function pre(text, cls) { return el('pre', {'class': cls || null, text: text}); }

  function kv(pairs) {
    var box = el('div', {'class': 'kv'});
    pairs.forEach(function (p) {
      if (p[1] === null || p[1] === undefined || p[1] === '') return;
      box.appendChild(el('span', {'class': 'k', text: p[0]}));
      box.appendChild(el('span', {text: String(p[1])}));
    });
    return box;
  }

  /* a call's arguments as a person reads them: the command, the file and its text, the edit */
  function argsNode(c) {
    var a = c.arguments;
    if (a === null || a === undefined) {
      return [block('arguments (not valid JSON' + (c.parse_error ? ': ' + c.parse_error : '') + ')',
                    [pre(c.raw_arguments || '')])];
    }
    var out = [], rest = {};
    Object.keys(a).forEach(function (k) { rest[k] = a[k]; });
    if (typeof a.command === 'string') { out.push(pre('$ ' + a.command, 'cmd')); delete rest.command; }
    if (typeof a.path === 'string') { out.push(kv([['path', a.path]])); delete rest.path; }
    if (c.name === 'edit_file' || (typeof a.old === 'string' && typeof a['new'] === 'string')) {
      if (typeof a.old === 'string') { out.push(block('replace', [pre(a.old, 'old')])); delete rest.old; }
      if (typeof a['new'] === 'string') { out.push(block('with', [pre(a['new'], 'new')])); delete rest['new']; }
      if (typeof a.text === 'string') {
        out.push(block('insert after line ' + a.insert_line, [pre(a.text, 'new')]));
        delete rest.text; delete rest.insert_line;
      }
    }
    var simple = [];
    Object.keys(rest).forEach(function (k) {
      var v = rest[k];
      if (typeof v === 'string' && (v.indexOf('\n') >= 0 || v.length > 120)) out.push(block(k, [pre(v)]));
      else simple.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
    });
    if (simple.length) out.push(kv(simple));
    return out;
  }

  function resultNode(r) {
    if (!r) return el('div', {'class': 'muted small', text: 'no result recorded (the run died in this call, or it is still running)'});
    var bits = [r.exit_code !== null && r.exit_code !== undefined ? 'exit ' + r.exit_code : (r.ok ? 'ok' : 'failed')];
    if (r.error_kind) bits.push(r.error_kind);
    if (r.timed_out) bits.push('timed out');
    bits.push(Number(r.duration_s || 0).toFixed(2) + ' s');
    var out = [el('div', {'class': 'label', text: 'result: ' + bits.join(' · ')})];
    if (r.note) out.push(el('div', {'class': 'banner warn', text: r.note}));
    if (r.truncated) out.push(el('div', {'class': 'muted small', text: 'output cut for the model; full output: ' + (r.output_ref || 'not stored')}));
    out.push(pre(r.output));
    return el('div', {'class': 'block'}, out);
  }

  function evalNode(e) {
    var ok = !e.error;
    var stages = el('div', {'class': 'stages'});
    Object.keys(e.stages || {}).sort().forEach(function (k) {
      var p = e.stages[k];
      stages.appendChild(el('span', {'class': p[0] === p[1] ? 'full' : (p[0] === 0 ? 'none' : null),
                                     text: k + ' ' + p[0] + '/' + p[1]}));
    });
    var kids = [el('b', {text: (e.final ? 'final evaluation: ' : 'evaluation: ') + e.passed + '/' + e.total}),
                el('span', {'class': 'muted small', text: '  at ' + e.tool_calls + ' tool calls, graded in ' +
                            Number(e.duration_s || 0).toFixed(1) + ' s' + (e.carried && e.carried.length ? ' (carried: ' + e.carried.join(', ') + ')' : '')})];
    if (e.error) kids.push(el('div', {'class': 'banner error', text: e.error}));
    kids.push(stages);
    if (e.failing && e.failing.length) {
      kids.push(el('details', {'class': 'fold'}, [el('summary', {text: e.failing.length + ' tests not passing'}),
                                                  pre(e.failing.join('\n'))]));
    }
    return el('div', {'class': 'eval' + (ok ? '' : ' bad')}, kids);
  }

  function diffNode(diff) {
    if (!diff) return null;
    if (!diff.lines || !diff.lines.length) return el('div', {'class': 'muted small', text: diff.note || 'no diff'});
    var box = el('div', {'class': 'diff', id: 'step-diff'});
    diff.lines.forEach(function (l) { box.appendChild(el('div', {'class': l[0], text: l[1]})); });
    var head = 'workspace diff: +' + diff.adds + ' −' + diff.dels + (diff.cut ? ' (cut)' : '');
    return block(head, [box]);
  }

  StepBrowser.prototype.showDetail = function (d, diff) {
    var self = this;
    var box = D.clear(this.detail);
    if (!d) { box.appendChild(el('div', {'class': 'empty', text: 'no such step'})); return; }
    var m = d.model;
    var title = 'step ' + d.step;
    var facts = [];
    if (m) {
      facts.push('+' + D.duration(m.t));
      if (m.prompt_tokens !== null || m.completion_tokens !== null) facts.push('tokens ' + D.int(m.prompt_tokens) + ' in / ' + D.int(m.completion_tokens) + ' out');
      facts.push(Number(m.latency_s || 0).toFixed(1) + ' s');
      if (m.cost !== null && m.cost !== undefined) facts.push('$' + Number(m.cost).toFixed(4));
    }
    box.appendChild(el('div', {'class': 'nav'}, [
      el('button', {type: 'button', text: '◀', title: 'previous step', 'on:click': function () { self.move(-1); }}),
      el('button', {type: 'button', text: '▶', title: 'next step', 'on:click': function () { self.move(1); }})]));
    box.appendChild(el('h3', {text: title}, [el('span', {'class': 'muted small', text: '  ' + facts.join(' · ')})]));
    if (d.start) {
      (d.start.messages || []).forEach(function (msg) {
        box.appendChild(block(msg.role + ' message', [pre(typeof msg.content === 'string' ? msg.content : JSON.stringify(msg.content))]));
      });
      if (d.start.tools) box.appendChild(kv([['tools', d.start.tools.join(', ')]]));
    }
    if (m) {
      if (m.content) box.appendChild(block('model', [pre(m.content)]));
      if (m.reasoning) box.appendChild(el('details', {'class': 'fold'}, [el('summary', {text: 'reasoning'}), pre(m.reasoning)]));
      if (m.format_error) box.appendChild(el('div', {'class': 'banner warn', text: 'unusable reply: ' + m.format_error}));
      if (m.retries && m.retries.length) {
        box.appendChild(el('div', {'class': 'banner warn', text: m.retries.length + ' retried attempts: ' +
          m.retries.map(function (r) { return r.error + ' (waited ' + Number(r.wait_s || 0).toFixed(1) + ' s)'; }).join('; ')}));
      }
      var extra = Object.keys(m.extra || {});
      if (extra.length) box.appendChild(kv(extra.map(function (k) { return [k, typeof m.extra[k] === 'object' ? JSON.stringify(m.extra[k]) : m.extra[k]]; })));
    }
    d.calls.forEach(function (c) {
      var bad = c.result && c.result.failed;
      box.appendChild(el('div', {'class': 'call' + (bad ? ' bad' : ''), dataset: {call: c.call_id}},
        [el('div', {'class': 'head'}, [c.name + ' ', el('code', {'class': 'muted', text: c.call_id})])]
          .concat(argsNode(c)).concat([resultNode(c.result)])));
    });
    d.messages.forEach(function (msg) { box.appendChild(block('harness message (' + msg.reason + ')', [pre(msg.content)])); });
    d.others.forEach(function (o) {
      box.appendChild(el('div', {'class': 'banner warn'}, [el('b', {text: o.type + ' '}),
        o.text ? o.text : '', o.fields ? el('code', {text: ' ' + JSON.stringify(o.fields)}) : null]));
    });
    d.evaluations.forEach(function (e) { box.appendChild(evalNode(e)); });
    if (d.snapshot) {
      box.appendChild(el('div', {'class': 'muted small', text: 'snapshot ' + d.snapshot.commit.slice(0, 10) +
        (d.snapshot.changed ? ' (workspace changed)' : ' (no change)') +
        (d.snapshot.skipped_count ? ', ' + d.snapshot.skipped_count + ' entries left out' : '')}));
    }
    var dn = diffNode(diff);
    if (dn) box.appendChild(dn);
  };

  UR.StepBrowser = StepBrowser;
})(window.UR = window.UR || {});
