// Test support: building `promtool test rules` files from code — input series as explicit sample lists, and
// expected annotations rendered with Prometheus's template functions (humanize*, as Go formats them) so an
// alert's summary and description are checked exactly as Alertmanager would receive them.

/** One sample per `interval`: `[[value, count], ...]` repeats each value `count` times. */
export function gauge(phases: ReadonlyArray<readonly [number, number]>): string {
  return phases.flatMap(([v, n]) => Array.from({ length: n }, () => String(v))).join(' ');
}

/** A counter that grows by `perSample` each sample, phase by phase: `[[perSample, count], ...]`, starting at 0. */
export function counter(phases: ReadonlyArray<readonly [number, number]>): string {
  const out: number[] = [];
  let v = 0;
  let first = true;
  for (const [inc, n] of phases) {
    for (let i = 0; i < n; i++) {
      if (!first) v += inc;
      first = false;
      out.push(Number(v.toFixed(6)));
    }
  }
  return out.join(' ');
}

/** `name{a="b", ...}` as promtool input. */
export function seriesName(name: string, labels: Readonly<Record<string, string>>): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return l.length ? `${name}{${l.join(', ')}}` : name;
}

/** Go's `%.4g`. */
export function goG4(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(4)))));
  if (exp < -4 || exp >= 4) {
    const [m, e] = Number(v.toPrecision(4)).toExponential().split('e') as [string, string];
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(4)));
}

/** Prometheus's `humanize` (SI prefixes). */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return goG4(v);
  let x = v;
  if (Math.abs(x) >= 1) {
    const pre = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
    let i = 0;
    while (Math.abs(x) >= 1000 && i < pre.length - 1) {
      x /= 1000;
      i++;
    }
    return `${goG4(x)}${pre[i]}`;
  }
  const pre = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let i = 0;
  while (Math.abs(x) < 1 && i < pre.length - 1) {
    x *= 1000;
    i++;
  }
  return `${goG4(x)}${pre[i]}`;
}

/** Prometheus's `humanizeDuration` for values under a minute. */
export function humanizeDuration(v: number): string {
  if (v >= 60) throw new Error('humanizeDuration: only values below 60 s are needed here');
  if (v >= 1 || v === 0) return `${goG4(v)}s`;
  if (v >= 1e-3) return `${goG4(v * 1e3)}ms`;
  return `${goG4(v * 1e6)}us`;
}

/** Expands the template syntax the generated annotations use, with the alert's labels and value. */
export function expandTemplate(text: string, labels: Readonly<Record<string, string>>, value: number): string {
  return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, inner: string) => {
    const label = /^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
    if (label) return labels[label[1]!] ?? '';
    const fn = /^\$value(?:\s*\|\s*(\w+))?$/.exec(inner);
    if (!fn) throw new Error(`template not supported here: ${inner}`);
    switch (fn[1]) {
      case undefined:
        return String(value);
      case 'humanize':
        return humanize(value);
      case 'humanizePercentage':
        return `${goG4(value * 100)}%`;
      case 'humanizeDuration':
        return humanizeDuration(value);
      default:
        throw new Error(`template function not supported here: ${fn[1]}`);
    }
  });
}
