// The review page: one HTML file, one stylesheet and one script, served by the review server under a strict
// Content-Security-Policy (no inline script, nothing from elsewhere). The script lists the queue worst first,
// shows a sample (scrubbed prompt and response, judge scores and reasons, latency, trace link), saves a label
// and a note, and exports JSONL. Every piece of stored text is put in the page with textContent, never as HTML.

/** GET / */
export const REVIEW_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>inferwatch review queue</title>
<link rel="stylesheet" href="/review.css">
<script src="/review.js" defer></script>
</head>
<body>
<header>
  <h1>Review queue</h1>
  <span id="who" class="muted"></span>
  <label>Show
    <select id="filter">
      <option value="unlabeled">unlabeled</option>
      <option value="bad">bad</option>
      <option value="needs_fix">needs fix</option>
      <option value="good">good</option>
      <option value="any">all</option>
    </select>
  </label>
  <button id="export" type="button">Export JSONL</button>
  <span id="status" role="status" class="muted"></span>
</header>
<form id="login" hidden>
  <label>Gateway API key <input id="key" type="password" autocomplete="off" required></label>
  <button type="submit">Open</button>
  <span class="muted">The page keeps the key for this tab only.</span>
</form>
<main>
  <section id="list-pane">
    <table id="queue">
      <thead><tr><th>rank</th><th>when</th><th>model</th><th>flags</th><th>score</th><th>prompt</th><th>label</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="empty" class="muted" hidden>Nothing to review here.</p>
    <button id="more" type="button" hidden>More</button>
  </section>
  <section id="detail" hidden>
    <h2 id="d-title"></h2>
    <dl id="d-facts"></dl>
    <h3>Prompt</h3>
    <div id="d-prompt"></div>
    <h3>Response</h3>
    <pre id="d-response"></pre>
    <h3>Judge</h3>
    <table id="d-scores"><thead><tr><th>criterion</th><th>score</th><th>reason</th></tr></thead><tbody></tbody></table>
    <p id="d-judge" class="muted"></p>
    <h3>Your label</h3>
    <div id="labels">
      <button type="button" data-label="good">good</button>
      <button type="button" data-label="bad">bad</button>
      <button type="button" data-label="needs_fix">needs fix</button>
    </div>
    <textarea id="note" rows="3" maxlength="2000" placeholder="note (optional)"></textarea>
    <p id="d-label" class="muted"></p>
  </section>
</main>
</body>
</html>
`;

/** GET /review.css */
export const REVIEW_CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1b1b}
header{display:flex;gap:1em;align-items:center;padding:.6em 1em;border-bottom:1px solid #ddd;flex-wrap:wrap}
h1{font-size:1.2em;margin:0}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em;padding:1em}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #eee;padding:.3em .4em;text-align:left;vertical-align:top}
#queue tbody tr{cursor:pointer}
#queue tbody tr.selected{background:#eef4ff}
.muted{color:#666}
.flag{display:inline-block;border-radius:3px;padding:0 .3em;margin-right:.2em;background:#fbe9e7;font-size:.85em}
pre{white-space:pre-wrap;background:#f7f7f7;padding:.6em;border-radius:4px;max-height:24em;overflow:auto}
.msg{background:#f7f7f7;padding:.4em .6em;border-radius:4px;margin:.3em 0;white-space:pre-wrap}
.role{font-weight:600;margin-right:.4em}
#labels button{margin-right:.4em}
#labels button.on{outline:2px solid #1a5fd0}
textarea{width:100%;box-sizing:border-box;margin-top:.4em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em}
dt{color:#666}
`;

/** GET /review.js */
export const REVIEW_JS = `'use strict';
(function () {
  var KEY = 'inferwatch-review-key';
  var PAGE = 50;
  var state = { offset: 0, selected: null, items: [] };
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function status(text) { $('status').textContent = text || ''; }
  function headers(json) {
    var h = {};
    var key = sessionStorage.getItem(KEY);
    if (key) h.authorization = 'Bearer ' + key;
    if (json) h['content-type'] = 'application/json';
    return h;
  }
  function api(path, options) {
    options = options || {};
    return fetch(path, { method: options.method || 'GET', headers: headers(!!options.body), body: options.body }).then(function (res) {
      if (res.status === 401) {
        sessionStorage.removeItem(KEY);
        $('login').hidden = false;
        throw new Error('an API key is needed');
      }
      if (!res.ok) return res.json().then(function (b) { throw new Error((b && b.error && b.error.message) || ('HTTP ' + res.status)); });
      return options.raw ? res : res.json();
    });
  }
  function flagsOf(s) {
    var f = [];
    if (s.status !== 'success') f.push(s.status);
    if (s.refusal) f.push('refusal');
    if (s.empty) f.push('empty');
    if (s.truncated) f.push('truncated');
    return f;
  }
  function when(ms) { return new Date(ms).toISOString().replace('T', ' ').slice(0, 19); }
  function row(s) {
    var tr = document.createElement('tr');
    tr.dataset.id = s.id;
    tr.appendChild(el('td', s.rank));
    tr.appendChild(el('td', when(s.createdAt)));
    tr.appendChild(el('td', s.model));
    var flags = el('td');
    flagsOf(s).forEach(function (f) { flags.appendChild(el('span', f, 'flag')); });
    tr.appendChild(flags);
    tr.appendChild(el('td', s.lowestScore !== undefined ? s.lowestScore : (s.judgeOutcome || '')));
    tr.appendChild(el('td', s.promptPreview.slice(0, 120)));
    tr.appendChild(el('td', s.label ? s.label.label : '', 'label'));
    tr.addEventListener('click', function () { open(s.id); });
    return tr;
  }
  function load(reset) {
    if (reset) { state.offset = 0; state.items = []; $('queue').tBodies[0].textContent = ''; }
    var label = $('filter').value;
    status('loading');
    return api('/api/samples?label=' + encodeURIComponent(label) + '&limit=' + PAGE + '&offset=' + state.offset).then(function (b) {
      var body = $('queue').tBodies[0];
      b.items.forEach(function (s) { state.items.push(s); body.appendChild(row(s)); });
      state.offset += b.items.length;
      $('empty').hidden = state.items.length > 0;
      $('more').hidden = b.items.length < PAGE;
      $('who').textContent = 'reviewing as ' + b.reviewer;
      status(state.items.length + ' shown');
    }).catch(function (e) { status(e.message); });
  }
  function fact(dl, name, value) {
    if (value === undefined || value === null || value === '') return;
    dl.appendChild(el('dt', name));
    var dd = el('dd');
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    dl.appendChild(dd);
  }
  function open(id) {
    state.selected = id;
    Array.prototype.forEach.call($('queue').tBodies[0].rows, function (r) { r.classList.toggle('selected', r.dataset.id === id); });
    return api('/api/samples/' + encodeURIComponent(id)).then(function (s) {
      $('detail').hidden = false;
      $('d-title').textContent = s.model + ' \\u2014 ' + when(s.createdAt);
      var dl = $('d-facts');
      dl.textContent = '';
      fact(dl, 'status', s.status + (s.finishReason ? ' (' + s.finishReason + ')' : ''));
      fact(dl, 'flags', flagsOf(s).join(', ') || 'none');
      fact(dl, 'sampled', s.reason);
      fact(dl, 'TTFT', s.ttftMs !== undefined ? s.ttftMs.toFixed(1) + ' ms' : undefined);
      fact(dl, 'E2E', s.e2eMs.toFixed(1) + ' ms');
      fact(dl, 'tokens', (s.inputTokens !== undefined ? s.inputTokens : '?') + ' in, ' + (s.outputTokens !== undefined ? s.outputTokens : '?') + ' out' + (s.tokensEstimated ? ' (estimated)' : ''));
      fact(dl, 'tier', s.tier);
      fact(dl, 'request', s.requestId);
      if (s.traceId) {
        var t;
        if (s.traceUrl) { t = el('a', s.traceId); t.href = s.traceUrl; t.target = '_blank'; t.rel = 'noopener noreferrer'; }
        else t = el('span', s.traceId);
        fact(dl, 'trace', t);
      }
      var p = $('d-prompt');
      p.textContent = '';
      s.prompt.forEach(function (m) {
        var d = el('div', null, 'msg');
        d.appendChild(el('span', m.role, 'role'));
        d.appendChild(document.createTextNode(m.content));
        p.appendChild(d);
      });
      if (s.promptTruncated) p.appendChild(el('p', 'prompt cut to the sampling bound', 'muted'));
      $('d-response').textContent = s.response + (s.responseTruncated ? '\\n[cut to the sampling bound]' : '');
      var sb = $('d-scores').tBodies[0];
      sb.textContent = '';
      s.scores.forEach(function (c) {
        var tr = document.createElement('tr');
        tr.appendChild(el('td', c.criterion));
        tr.appendChild(el('td', c.score));
        tr.appendChild(el('td', c.reason));
        sb.appendChild(tr);
      });
      $('d-judge').textContent = s.judgment ? ('judge ' + s.judgment.judgeModel + ': ' + s.judgment.outcome + (s.judgment.detail ? ' (' + s.judgment.detail + ')' : '')) : 'not judged';
      showLabel(s.label);
    }).catch(function (e) { status(e.message); });
  }
  function showLabel(l) {
    Array.prototype.forEach.call(document.querySelectorAll('#labels button'), function (b) { b.classList.toggle('on', !!l && b.dataset.label === l.label); });
    $('note').value = l ? l.note : '';
    $('d-label').textContent = l ? ('labelled ' + l.label + ' by ' + l.reviewer + ' at ' + when(l.labeledAt)) : 'not labelled yet';
  }
  function save(label) {
    var id = state.selected;
    if (!id) return;
    return api('/api/samples/' + encodeURIComponent(id) + '/label', { method: 'POST', body: JSON.stringify({ label: label, note: $('note').value }) }).then(function (b) {
      showLabel(b.label);
      var r = document.querySelector('#queue tr[data-id="' + CSS.escape(id) + '"] .label');
      if (r) r.textContent = b.label.label;
      status('saved');
    }).catch(function (e) { status(e.message); });
  }
  function exportJsonl() {
    var label = $('filter').value === 'unlabeled' ? 'any' : $('filter').value;
    return api('/api/export?label=' + encodeURIComponent(label), { raw: true }).then(function (res) { return res.blob(); }).then(function (blob) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'inferwatch-review-' + label + '.jsonl';
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      status('exported');
    }).catch(function (e) { status(e.message); });
  }
  document.addEventListener('DOMContentLoaded', function () {
    $('filter').addEventListener('change', function () { load(true); });
    $('more').addEventListener('click', function () { load(false); });
    $('export').addEventListener('click', exportJsonl);
    Array.prototype.forEach.call(document.querySelectorAll('#labels button'), function (b) {
      b.addEventListener('click', function () { save(b.dataset.label); });
    });
    $('login').addEventListener('submit', function (e) {
      e.preventDefault();
      sessionStorage.setItem(KEY, $('key').value);
      $('key').value = '';
      $('login').hidden = true;
      load(true);
    });
    load(true);
  });
})();
`;
