// A small parser for Prometheus text format 0.0.4 with values, enough to read vLLM and DCGM expositions back (the
// load generator's engine metrics, and tests): HELP/TYPE lines, samples with escaped labels, +Inf/NaN/exponent
// values, optional timestamps.

/** One sample line. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family: its TYPE/HELP and the samples that follow them. */
export interface PromFamily {
  readonly name: string;
  type: string;
  help: string;
  readonly samples: PromSample[];
}

/** A parsed exposition. */
export interface PromScrape {
  readonly families: Map<string, PromFamily>;
  readonly samples: PromSample[];
}

function parseValue(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`bad sample value "${s}"`);
  return v;
}

function parseLabels(line: string, start: number, labels: Record<string, string>): number {
  let i = start + 1;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return i + 1;
    const eq = line.indexOf('=', i);
    if (eq < 0 || line[eq + 1] !== '"') throw new Error(`bad label set in: ${line}`);
    const key = line.slice(i, eq).trim();
    let j = eq + 2;
    let v = '';
    while (j < line.length && line[j] !== '"') {
      if (line[j] === '\\') {
        const n = line[j + 1];
        v += n === 'n' ? '\n' : (n ?? '');
        j += 2;
      } else v += line[j++];
    }
    if (j >= line.length) throw new Error(`unterminated label value in: ${line}`);
    labels[key] = v;
    i = j + 1;
  }
  throw new Error(`unterminated label set in: ${line}`);
}

/**
 * Parses an exposition; throws on malformed lines (tests want to hear about them).
 *
 * @example parsePromText('# TYPE x gauge\nx{a="b"} 1.0\n').samples[0].value // 1
 */
export function parsePromText(text: string): PromScrape {
  const families = new Map<string, PromFamily>();
  const samples: PromSample[] = [];
  let current: PromFamily | undefined;
  const family = (name: string): PromFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue;
      const f = family(m[2]!);
      if (m[1] === 'TYPE') f.type = m[3]!;
      else f.help = m[3]!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      current = f;
      continue;
    }
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const labels: Record<string, string> = {};
    let name: string;
    let rest: string;
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.slice(0, brace);
      const end = parseLabels(line, brace, labels);
      rest = line.slice(end).trim();
    } else {
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const value = parseValue(rest.split(/\s+/)[0]!);
    const sample: PromSample = { name, labels, value };
    samples.push(sample);
    const owner = current && name.startsWith(current.name) ? current : family(name);
    owner.samples.push(sample);
  }
  return { families, samples };
}

/** Samples named `name` whose labels include every pair in `match`. */
export function findSamples(
  scrape: PromScrape,
  name: string,
  match: Readonly<Record<string, string>> = {},
): PromSample[] {
  return scrape.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The value of the single sample named `name` matching `match`; throws when there is not exactly one. */
export function sampleValue(scrape: PromScrape, name: string, match: Readonly<Record<string, string>> = {}): number {
  const found = findSamples(scrape, name, match);
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(match)}, found ${found.length}`);
  return found[0]!.value;
}
