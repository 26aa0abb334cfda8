// When an alert last started firing, read from Prometheus's ALERTS series: a coarse pass over the lookback finds
// the latest episode (sum_over_time over steps of at most a thousandth of it), a fine pass at the evaluation
// interval finds its first firing sample. The diagnosis then looks at the window ending shortly after.
import { ALERT_NAMES, formatDuration, match, renderPromQL, selector, sumOverTime } from '../catalog/index.js';
import { DiagnoseError } from './diagnose-error.js';
import type { PrometheusClient } from './prometheus-client.js';

/** An alert's latest firing. */
export interface AlertFiring {
  readonly name: string;
  /** The alert's labels (without `__name__` and `alertstate`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Unix seconds of its first firing sample. */
  readonly since: number;
}

/** Where and how far to look. */
export interface AlertSearch {
  readonly model: string | undefined;
  readonly lookbackSeconds: number;
  readonly evaluationSeconds: number;
  /** Unix seconds to look back from. */
  readonly now: number;
}

function firingSelector(name: string, model: string | undefined) {
  return selector('ALERTS', [
    match('alertname', '=', name),
    match('alertstate', '=', 'firing'),
    ...(model ? [match('model', '=', model)] : []),
  ]);
}

/** The latest firing of `name` within the lookback; throws DiagnoseError when Prometheus has none. */
export async function findAlertFiring(client: PrometheusClient, name: string, o: AlertSearch): Promise<AlertFiring> {
  const sel = firingSelector(name, o.model);
  const step = Math.max(o.evaluationSeconds, Math.ceil(o.lookbackSeconds / 1000));
  // The range starts a whole number of steps before now, so its last point is now (a firing that began since the
  // previous step is not missed).
  const coarse = await client.queryRange(
    renderPromQL(sumOverTime(sel, formatDuration(step))),
    o.now - Math.ceil(o.lookbackSeconds / step) * step,
    o.now,
    step,
  );
  let best: { labels: Record<string, string>; runStart: number } | undefined;
  for (const s of coarse) {
    const times = s.points.filter((p) => p[1] > 0).map((p) => p[0]);
    if (times.length === 0) continue;
    let runStart = times.at(-1) as number;
    for (let i = times.length - 2; i >= 0 && runStart - (times[i] as number) <= step + 1e-6; i--)
      runStart = times[i] as number;
    if (!best || runStart > best.runStart) best = { labels: { ...s.labels }, runStart };
  }
  if (!best) {
    const lookback = formatDuration(o.lookbackSeconds);
    const known = ALERT_NAMES.includes(name);
    throw new DiagnoseError(
      'IW_DIAGNOSE_UNKNOWN_ALERT',
      known
        ? `${name} has not fired in the last ${lookback}${o.model ? ` for model ${o.model}` : ''} (Prometheus has no ALERTS{alertstate="firing"} sample of it): give --at TIME instead`
        : `unknown alert ${name}: not an inferwatch alert, and Prometheus has no firing sample of it in the last ${lookback}; check the name (inferwatch's alerts: ${ALERT_NAMES.slice(0, 4).join(', ')}, ...)`,
    );
  }
  // The episode began within one coarse step before its first coarse point: find its first sample there.
  const matchers = Object.entries(best.labels)
    .filter(([k]) => k !== '__name__' && k !== 'alertstate')
    .map(([k, v]) => match(k, '=', v));
  const exact = selector('ALERTS', [...matchers, match('alertstate', '=', 'firing')]);
  const fine = await client.queryRange(
    renderPromQL(exact),
    best.runStart - step - o.evaluationSeconds,
    best.runStart,
    o.evaluationSeconds,
  );
  const first = fine.flatMap((s) => s.points.filter((p) => p[1] > 0).map((p) => p[0])).sort((a, b) => a - b)[0];
  const { __name__: _n, alertstate: _s, ...labels } = best.labels;
  return { name, labels, since: first ?? best.runStart };
}
