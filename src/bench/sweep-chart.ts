// The sweep as a picture: TTFT and TPOT (p50 and p99) and goodput against request rate, three panels sharing the
// rate axis, as a self-contained SVG (no script, no fonts to fetch). People find the knee of a curve faster than
// in a table. Latency panels switch to a log scale when the values span more than a factor of 30, which they do
// once the server saturates and queueing takes over.
import type { Slo } from './slo.js';
import type { SweepReport, SweepStep } from './sweep.js';

const W = 760;
const PANEL_H = 210;
const TOP = 46;
const LEFT = 68;
const RIGHT = 150;
const GAP = 34;
const PLOT_W = W - LEFT - RIGHT;
const PLOT_H = PANEL_H - GAP;
const COLORS = {
  p50: '#1f77b4',
  p99: '#d62728',
  goodput: '#2ca02c',
  achieved: '#1f77b4',
  offered: '#999999',
  marker: '#444444',
};

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (v: number): string => String(Number(v.toFixed(2)));

/** Tick values for a linear axis from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9 || out.length < 2; v += step) out.push(Number(v.toPrecision(12)));
  if ((out[out.length - 1] as number) < max) out.push(Number((out.length * step).toPrecision(12)));
  return out;
}

interface Scale {
  readonly y: (v: number) => number;
  readonly ticks: readonly number[];
  readonly log: boolean;
}

function yScale(values: readonly number[], top: number, allowLog: boolean): Scale {
  const pos = values.filter((v) => v > 0);
  const max = Math.max(...pos, 0);
  const min = Math.min(...pos, Infinity);
  if (allowLog && pos.length > 1 && max / min > 30) {
    const lo = Math.floor(Math.log10(min));
    const hi = Math.ceil(Math.log10(max));
    const ticks: number[] = [];
    for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
    const y = (v: number): number =>
      top + PLOT_H - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / Math.max(hi - lo, 1)) * PLOT_H;
    return { y, ticks, log: true };
  }
  const ticks = niceTicks(max || 1, 4);
  const top_ = ticks[ticks.length - 1] as number;
  return { y: (v: number) => top + PLOT_H - (v / top_) * PLOT_H, ticks, log: false };
}

function fmtTick(v: number): string {
  if (v >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

interface Series {
  readonly label: string;
  readonly color: string;
  readonly dash?: string;
  readonly points: readonly (readonly [number, number | null])[];
}

/** Renders one panel; returns SVG elements. */
function panel(
  index: number,
  title: string,
  unit: string,
  series: readonly Series[],
  x: (v: number) => number,
  xTicks: readonly number[],
  extras: (s: Scale, top: number) => string[],
  allowLog = true,
): string[] {
  const top = TOP + index * PANEL_H;
  const values = series.flatMap((s) =>
    s.points.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  const s = yScale(values, top, allowLog);
  const out: string[] = [];
  out.push(
    `<text x="${LEFT}" y="${top - 8}" font-weight="bold">${esc(title)} <tspan font-weight="normal" fill="#555">(${esc(unit)}${s.log ? ', log scale' : ''})</tspan></text>`,
  );
  out.push(`<rect x="${LEFT}" y="${top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#bbb"/>`);
  for (const t of s.ticks) {
    const y = s.y(t);
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${f(y)}" y2="${f(y)}" stroke="#eee"/>`,
      `<text x="${LEFT - 6}" y="${f(y + 4)}" text-anchor="end">${fmtTick(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    out.push(
      `<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${top + PLOT_H}" y2="${top + PLOT_H + 4}" stroke="#999"/>`,
      `<text x="${f(x(t))}" y="${top + PLOT_H + 16}" text-anchor="middle">${fmtTick(t)}</text>`,
    );
  }
  out.push(...extras(s, top));
  series.forEach((ser, k) => {
    const pts = ser.points.filter((p): p is readonly [number, number] => p[1] !== null && Number.isFinite(p[1]));
    if (pts.length > 1)
      out.push(
        `<polyline fill="none" stroke="${ser.color}" stroke-width="2"${ser.dash ? ` stroke-dasharray="${ser.dash}"` : ''} points="${pts.map(([a, b]) => `${f(x(a))},${f(s.y(b))}`).join(' ')}"/>`,
      );
    for (const [a, b] of pts) out.push(`<circle cx="${f(x(a))}" cy="${f(s.y(b))}" r="3" fill="${ser.color}"/>`);
    const ly = top + 14 + k * 18;
    out.push(
      `<line x1="${LEFT + PLOT_W + 12}" x2="${LEFT + PLOT_W + 36}" y1="${ly - 4}" y2="${ly - 4}" stroke="${ser.color}" stroke-width="2"${ser.dash ? ` stroke-dasharray="${ser.dash}"` : ''}/>`,
      `<text x="${LEFT + PLOT_W + 42}" y="${ly}">${esc(ser.label)}</text>`,
    );
  });
  return out;
}

/**
 * The sweep chart as an SVG document.
 *
 * @example writeFileSync('sweep.svg', renderSweepSvg(sweep));
 */
export function renderSweepSvg(
  sweep: Pick<SweepReport, 'steps' | 'peak_goodput' | 'distserve_goodput' | 'saturation_rate'>,
  options: { title?: string; slo?: Slo | null } = {},
): string {
  const steps: readonly SweepStep[] = sweep.steps;
  const maxRate = Math.max(...steps.map((s) => Math.max(s.rate, s.offered_rps)), 0);
  const xTicks = niceTicks(maxRate || 1, 6);
  const xMax = xTicks[xTicks.length - 1] as number;
  const x = (v: number): number => LEFT + (v / xMax) * PLOT_W;
  const ms = (v: number | null): number | null => (v === null ? null : v * 1000);
  const slo = options.slo ?? undefined;
  const vline =
    (rate: number | null, label: string, color: string) =>
    (_s: Scale, top: number): string[] =>
      rate === null
        ? []
        : [
            `<line x1="${f(x(rate))}" x2="${f(x(rate))}" y1="${top}" y2="${top + PLOT_H}" stroke="${color}" stroke-dasharray="2,3"/>`,
            `<text x="${f(x(rate) + 4)}" y="${top + 12}" fill="${color}">${esc(label)}</text>`,
          ];
  const hline =
    (value: number | undefined, label: string) =>
    (s: Scale, top: number): string[] => {
      if (value === undefined) return [];
      const y = s.y(value * 1000);
      if (y < top || y > top + PLOT_H) return [];
      return [
        `<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${f(y)}" y2="${f(y)}" stroke="#ff7f0e" stroke-dasharray="6,3"/>`,
        `<text x="${LEFT + 4}" y="${f(y - 4)}" fill="#ff7f0e">${esc(label)}</text>`,
      ];
    };
  const sat = vline(sweep.saturation_rate, 'saturated', '#d62728');
  const both =
    (...fs: ((s: Scale, top: number) => string[])[]) =>
    (s: Scale, top: number) =>
      fs.flatMap((g) => g(s, top));
  const body: string[] = [];
  body.push(
    ...panel(
      0,
      'Time to first token',
      'ms',
      [
        { label: 'TTFT p50', color: COLORS.p50, points: steps.map((s) => [s.rate, ms(s.ttft_p50)]) },
        { label: 'TTFT p99', color: COLORS.p99, dash: '6,4', points: steps.map((s) => [s.rate, ms(s.ttft_p99)]) },
      ],
      x,
      xTicks,
      both(sat, hline(slo?.ttft, `SLO ${(slo?.ttft ?? 0) * 1000} ms`)),
    ),
    ...panel(
      1,
      'Time per output token',
      'ms',
      [
        { label: 'TPOT p50', color: COLORS.p50, points: steps.map((s) => [s.rate, ms(s.tpot_p50)]) },
        { label: 'TPOT p99', color: COLORS.p99, dash: '6,4', points: steps.map((s) => [s.rate, ms(s.tpot_p99)]) },
      ],
      x,
      xTicks,
      both(sat, hline(slo?.tpot, `SLO ${(slo?.tpot ?? 0) * 1000} ms`)),
    ),
  );
  const hasGoodput = steps.some((s) => s.goodput_rps !== null);
  const peak = sweep.peak_goodput;
  const ds = sweep.distserve_goodput;
  body.push(
    ...panel(
      2,
      hasGoodput ? 'Goodput and throughput' : 'Throughput (no SLO given: no goodput)',
      'requests/s',
      [
        ...(hasGoodput
          ? [{ label: 'goodput', color: COLORS.goodput, points: steps.map((s) => [s.rate, s.goodput_rps] as const) }]
          : []),
        {
          label: 'completed',
          color: COLORS.achieved,
          dash: '6,4',
          points: steps.map((s) => [s.rate, s.achieved_rps] as const),
        },
        {
          label: 'offered',
          color: COLORS.offered,
          dash: '2,3',
          points: steps.map((s) => [s.rate, s.offered_rps] as const),
        },
      ],
      x,
      xTicks,
      (s, top) => [
        ...sat(s, top),
        ...(ds ? vline(ds.rate, 'DistServe 90%', COLORS.goodput)(s, top + 14) : []),
        ...(peak
          ? [
              `<circle cx="${f(x(peak.rate))}" cy="${f(s.y(peak.requests_per_s))}" r="7" fill="none" stroke="${COLORS.goodput}" stroke-width="2"/>`,
              `<text x="${f(x(peak.rate) + 10)}" y="${f(s.y(peak.requests_per_s) + 16)}" fill="${COLORS.goodput}">peak ${Number(peak.requests_per_s.toFixed(2))} req/s</text>`,
            ]
          : []),
      ],
      false,
    ),
  );
  const h = TOP + 3 * PANEL_H + 10;
  const title = options.title ?? 'inferwatch bench sweep';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${h}" fill="#fff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...body,
    `<text x="${LEFT + PLOT_W / 2}" y="${h - 2}" text-anchor="middle">request rate (requests/s)</text>`,
    '</svg>',
    '',
  ].join('\n');
}
