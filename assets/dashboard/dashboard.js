// The dashboard page: lays out the catalog's rows and panels from the config the server embedded, asks the
// server for each panel's data every refresh, and draws it with uPlot. Plain ES module, no build step. The server
// names panels by id; this script never writes a query. Each panel element carries what it drew in data-*
// attributes (state, series, points, threshold lines), which the browser tests read.
import { formatValue, unitName } from './format.js';
import uPlot from './uPlot.esm.js';

const config = JSON.parse(document.getElementById('inferwatch-config').textContent);
const PALETTE = [
  '#2563eb',
  '#ea580c',
  '#16a34a',
  '#dc2626',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#ca8a04',
  '#475569',
];
const THRESHOLD_COLORS = { orange: '#f59e0b', red: '#dc2626' };
const CHART_HEIGHT = 190;

const state = {
  range: config.ranges.includes('15m') ? '15m' : config.ranges[0],
  model: '',
  replica: config.faults?.replicas[0],
  refreshing: false,
  refreshes: 0,
};
/** Per panel id: its view, element, chart container, message element, uPlot instance and series names. */
const panels = new Map();

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c);
  return e;
}

const apiUrl = (path, params = {}) => {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  const s = q.toString();
  return `${config.base}/api/${path}${s ? `?${s}` : ''}`;
};

async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

async function postJson(path, body) {
  const res = await fetch(`${config.base}/${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-inferwatch-csrf': config.csrf },
    body: JSON.stringify(body),
  });
  const doc = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(doc?.error?.message ?? `HTTP ${res.status}`);
  return doc;
}

// ---- layout ----

const statusLine = h('span', { class: 'status', role: 'status' }, 'loading…');
const modelSelect = h(
  'select',
  {
    'aria-label': 'Model',
    onchange: () => {
      state.model = modelSelect.value;
      refresh();
    },
  },
  h('option', { value: '' }, 'All models'),
);
const rangeButtons = config.ranges.map((r) =>
  h(
    'button',
    {
      type: 'button',
      class: 'range',
      'aria-pressed': String(r === state.range),
      dataset: { range: r },
      onclick: () => {
        state.range = r;
        for (const b of rangeButtons) b.setAttribute('aria-pressed', String(b.dataset.range === r));
        refresh();
      },
    },
    r,
  ),
);
const notices = h('div', { class: 'notices', 'aria-live': 'polite' });
const sourceText =
  config.source === 'prometheus' ? 'from Prometheus' : `recorded by the gateway every ${config.refreshSeconds} s`;

document.body.append(
  h(
    'header',
    { class: 'top' },
    h('h1', {}, config.title, h('span', { class: 'source' }, sourceText)),
    h(
      'div',
      { class: 'controls' },
      h('span', { class: 'group' }, ...rangeButtons),
      modelSelect,
      statusLine,
      config.signedIn
        ? h(
            'button',
            {
              type: 'button',
              class: 'sign-out',
              onclick: () => postJson('session/end', {}).finally(() => location.reload()),
            },
            'Sign out',
          )
        : undefined,
    ),
  ),
);

let faultList;
let faultMessage;
if (config.faults) {
  const replicaSelect =
    config.faults.replicas.length > 1
      ? h(
          'select',
          {
            'aria-label': 'Replica',
            onchange: (e) => {
              state.replica = e.target.value;
            },
          },
          ...config.faults.replicas.map((r) => h('option', { value: r }, r)),
        )
      : undefined;
  faultList = h('ul', { class: 'active-faults' });
  faultMessage = h('span', { class: 'fault-message', role: 'status' });
  const buttons = config.faults.buttons.map((b) =>
    h('button', { type: 'button', class: 'fault', dataset: { fault: b.id }, onclick: () => inject(b) }, b.label),
  );
  document.body.append(
    h(
      'section',
      { class: 'incidents', 'aria-label': 'Incidents' },
      h('h2', {}, 'Cause an incident', replicaSelect ? h('span', { class: 'on' }, ' on ', replicaSelect) : undefined),
      h('div', { class: 'fault-buttons' }, ...buttons),
      faultMessage,
      faultList,
    ),
  );
}
document.body.append(notices);

const main = h('main');
for (const row of config.rows) {
  const grid = h('div', { class: 'grid' });
  main.append(h('section', { class: 'row' }, h('h2', {}, row.title), grid));
  for (const view of row.panels) {
    const chart = h('div', { class: 'chart' });
    const message = h('div', { class: 'message', hidden: true });
    const unit = unitName(view.unit);
    const fig = h(
      'figure',
      { class: 'panel', dataset: { panel: view.id, state: 'loading' } },
      h('figcaption', { title: view.description }, view.title, unit ? h('span', { class: 'unit' }, unit) : undefined),
      chart,
      message,
    );
    grid.append(fig);
    panels.set(view.id, { view, fig, chart, message, plot: undefined, names: '' });
  }
}
document.body.append(main);

// ---- charts ----

function thresholdPlugin(entry) {
  return {
    hooks: {
      draw: [
        (u) => {
          const lines = [];
          const { min, max } = u.scales.y;
          for (const t of entry.view.thresholds ?? []) {
            if (t.value < min || t.value > max) continue;
            const y = Math.round(u.valToPos(t.value, 'y', true));
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = THRESHOLD_COLORS[t.color] ?? t.color;
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.setLineDash([8 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.restore();
            lines.push({ value: t.value, color: t.color, y, left: u.bbox.left, width: u.bbox.width });
          }
          entry.fig.dataset.thresholdLines = JSON.stringify(lines);
        },
      ],
    },
  };
}

function chartWidth(entry) {
  return Math.max(240, entry.fig.clientWidth - 16);
}

function options(entry, series) {
  const { view } = entry;
  const fmt = (v) => formatValue(view.unit, v);
  const fixed = view.min !== undefined || view.max !== undefined;
  return {
    width: chartWidth(entry),
    height: CHART_HEIGHT,
    legend: { show: true, live: true },
    cursor: { points: { size: 6 } },
    series: [
      {
        label: 'time',
        value: (_u, v) => (v === null || v === undefined ? '' : new Date(v * 1000).toLocaleTimeString()),
      },
      ...series.map((s, i) => ({
        label: s.name,
        stroke: PALETTE[i % PALETTE.length],
        width: 1.5,
        points: { show: false },
        value: (_u, v) => fmt(v),
      })),
    ],
    axes: [
      { stroke: '#64748b', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#e2e8f0' } },
      {
        stroke: '#64748b',
        grid: { stroke: '#e2e8f0' },
        ticks: { stroke: '#e2e8f0' },
        values: (_u, splits) => splits.map(fmt),
        // Wide enough for the longest label ("2.5 req/s"), measured in the axis font.
        size: (u, values, axisIdx) => {
          if (!values || values.length === 0) return 48;
          u.ctx.font = u.axes[axisIdx].font[0];
          const widest = Math.max(...values.map((v) => u.ctx.measureText(String(v)).width));
          return Math.ceil(widest / devicePixelRatio) + 22;
        },
      },
    ],
    scales: fixed
      ? {
          y: {
            range: (_u, lo, hi) => {
              const a = view.min ?? Math.min(lo, 0);
              let b = view.max ?? (hi > a ? hi * 1.1 : a + 1);
              if (view.max !== undefined && hi > view.max) b = hi;
              return [a, b];
            },
          },
        }
      : {},
    plugins: [thresholdPlugin(entry)],
  };
}

function draw(entry, data) {
  const { fig, chart, message } = entry;
  const drawable = data.series.filter((s) => s.values.some((v) => v !== null));
  fig.dataset.series = String(drawable.length);
  fig.dataset.points = String(drawable.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0));
  if (data.error || drawable.length === 0) {
    fig.dataset.state = data.error ? 'error' : 'empty';
    message.replaceChildren(
      h('strong', {}, data.error ? 'Error' : 'No data'),
      ...(data.error ? [h('p', {}, data.error)] : (data.empty ?? []).map((r) => h('p', {}, r))),
    );
    message.hidden = false;
    chart.hidden = true;
    return;
  }
  fig.dataset.state = 'data';
  message.hidden = true;
  chart.hidden = false;
  const uData = [data.times, ...drawable.map((s) => s.values)];
  const names = drawable.map((s) => s.name).join('\n');
  if (entry.plot === undefined || entry.names !== names) {
    entry.plot?.destroy();
    entry.plot = new uPlot(options(entry, drawable), uData, chart);
    entry.names = names;
  } else entry.plot.setData(uData);
  fig.dataset.max = String(Math.max(...drawable.flatMap((s) => s.values.filter((v) => v !== null))));
}

new ResizeObserver(() => {
  for (const entry of panels.values()) entry.plot?.setSize({ width: chartWidth(entry), height: CHART_HEIGHT });
}).observe(main);

// ---- data ----

function showStatus(doc) {
  const items = [];
  for (const t of doc.status.targets ?? []) {
    if (t.up === false) {
      const what =
        t.job === 'inferwatch-gateway'
          ? 'the gateway'
          : `${t.job.replace('inferwatch-', '')} ${t.replica ?? t.instance}`;
      items.push(`Cannot read the metrics of ${what}: ${t.error}. Its panels stay empty until it answers.`);
    }
  }
  for (const r of doc.status.failingRules ?? []) items.push(`Recording rule ${r.record} fails: ${r.error}`);
  if (doc.status.recorderError) items.push(`The recorder's last round failed: ${doc.status.recorderError}`);
  const p = doc.status.prometheus;
  if (p && !p.up) items.push(`Prometheus at ${p.origin} does not answer: ${p.error}`);
  if (doc.modelsError) items.push(`Model list: ${doc.modelsError}`);
  notices.replaceChildren(...items.map((t) => h('p', { class: 'notice' }, t)));
  const known = new Set([...modelSelect.options].map((o) => o.value));
  for (const m of doc.models) if (!known.has(m)) modelSelect.append(h('option', { value: m }, m));
  if (faultList && doc.faults) {
    const rows = doc.faults.flatMap((r) =>
      r.error
        ? [h('li', { class: 'notice' }, `${r.replica}: ${r.error}`)]
        : r.faults.map((f) =>
            h(
              'li',
              { dataset: { faultId: f.id } },
              h('span', {}, `${r.replica}: ${describe(f.spec)} (${f.state})`),
              h('button', { type: 'button', onclick: () => cancel(r.replica, f.id) }, 'Cancel'),
            ),
          ),
    );
    faultList.replaceChildren(...rows);
  }
}

function describe(spec) {
  const parts = Object.entries(spec)
    .filter(([k]) => k !== 'type' && k !== 'at')
    .map(([k, v]) => `${k} ${v}`);
  return [spec.type, ...parts].join(' · ');
}

async function inject(button) {
  faultMessage.textContent = `injecting ${button.label}…`;
  try {
    const doc = await postJson('api/faults', { replica: state.replica, fault: button.id });
    faultMessage.textContent = `${button.label} injected on ${state.replica}`;
    showStatus({ status: {}, models: [], faults: doc.faults });
  } catch (err) {
    faultMessage.textContent = `Could not inject ${button.label}: ${err.message}`;
  }
}

async function cancel(replica, id) {
  try {
    const doc = await postJson('api/faults/cancel', { replica, id });
    faultMessage.textContent = `fault ${id} on ${replica} cancelled`;
    showStatus({ status: {}, models: [], faults: doc.faults });
  } catch (err) {
    faultMessage.textContent = `Could not cancel: ${err.message}`;
  }
}

async function refresh() {
  if (state.refreshing) return;
  state.refreshing = true;
  const params = { range: state.range, model: state.model };
  try {
    const status = getJson(apiUrl('status', { range: state.range })).then(showStatus);
    const all = [...panels.values()].map((entry) =>
      getJson(apiUrl(`panels/${entry.view.id}`, params)).then(
        (data) => draw(entry, data),
        (err) => draw(entry, { series: [], error: err.message }),
      ),
    );
    await Promise.all([status, ...all]);
    state.refreshes++;
    document.body.dataset.refreshes = String(state.refreshes);
    statusLine.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    statusLine.textContent = `cannot reach the dashboard API: ${err.message}`;
  } finally {
    state.refreshing = false;
  }
}

refresh();
setInterval(refresh, config.refreshSeconds * 1000);
