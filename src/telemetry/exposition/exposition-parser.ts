// Reads a /metrics page, in the Prometheus text format 0.0.4 or OpenMetrics 1.0, into its samples (name, labels,
// value, optional timestamp) and every family's declared type. One parser for the whole product: the lint reads
// series names and labels from it, the dashboard recorder reads values, and the tests read scrapes back with it.
// Errors name the line (1-based) and the column.

/** A family's type as `# TYPE` declares it (both formats' vocabularies). */
export type ExposedType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'summary'
  | 'untyped'
  | 'unknown'
  | 'gaugehistogram'
  | 'stateset'
  | 'info';

const TYPES: ReadonlySet<string> = new Set<ExposedType>([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'unknown',
  'gaugehistogram',
  'stateset',
  'info',
]);

/** One sample as exposed. */
export interface ExposedSample {
  /** The sample's metric name (`x_bucket`, `x_total`), not its family's. */
  readonly name: string;
  /** Label pairs, without `__name__`. */
  readonly labels: Readonly<Record<string, string>>;
  /** The value; `+Inf`, `-Inf` and `NaN` as the numbers they spell. */
  readonly value: number;
  /** The timestamp as written, when there is one: milliseconds in the text format, seconds in OpenMetrics. */
  readonly timestamp?: number;
}

/** A parsed exposition. */
export interface Exposition {
  /** Declared family types by family name, as written after `# TYPE`. */
  readonly types: ReadonlyMap<string, ExposedType>;
  /** Every sample, in page order. */
  readonly samples: readonly ExposedSample[];
}

/** A line that is not valid exposition text; `line` is 1-based. */
export class ExpositionSyntaxError extends Error {
  readonly line: number;

  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = 'ExpositionSyntaxError';
    this.line = line;
  }
}

// Character classes by code: the parser runs on every scrape of the dashboard recorder, so it avoids a regular
// expression per character.
const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95; // a-z A-Z _
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isNameStart = (c: number): boolean => isLetter(c) || c === 58; // :
const isNameChar = (c: number): boolean => isLetter(c) || isDigit(c) || c === 58;
const isLabelChar = (c: number): boolean => isLetter(c) || isDigit(c);
const SPACE = 32;
const TAB = 9;

/** A cursor over one line. Each method either consumes what it names or throws with the column. */
class LineScanner {
  pos = 0;
  readonly #text: string;
  readonly #lineNo: number;

  constructor(text: string, lineNo: number) {
    this.#text = text;
    this.#lineNo = lineNo;
  }

  get done(): boolean {
    return this.pos >= this.#text.length;
  }

  peek(): number {
    return this.#text.charCodeAt(this.pos);
  }

  fail(problem: string): never {
    throw new ExpositionSyntaxError(this.#lineNo, `${problem} at column ${this.pos + 1}: ${truncate(this.#text)}`);
  }

  skipSpace(): void {
    const t = this.#text;
    while (t.charCodeAt(this.pos) === SPACE || t.charCodeAt(this.pos) === TAB) this.pos++;
  }

  expect(ch: string): void {
    if (this.#text[this.pos] !== ch) this.fail(`expected "${ch}"`);
    this.pos++;
  }

  word(start: (c: number) => boolean, rest: (c: number) => boolean, what: string): string {
    const from = this.pos;
    const t = this.#text;
    if (!start(t.charCodeAt(this.pos))) this.fail(`expected a ${what}`);
    this.pos++;
    while (rest(t.charCodeAt(this.pos))) this.pos++;
    return t.slice(from, this.pos);
  }

  /** A double-quoted string with the format's escapes (`\\`, `\"`, `\n`). */
  quoted(): string {
    this.expect('"');
    const t = this.#text;
    const from = this.pos;
    // The common case, a value without escapes, is one slice.
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 34) {
        this.pos++;
        return t.slice(from, this.pos - 1);
      }
      if (c === 92) break;
      this.pos++;
    }
    let out = t.slice(from, this.pos);
    for (;;) {
      const c = t[this.pos++];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') return out;
      if (c === '\\') {
        const e = t[this.pos++];
        out += e === 'n' ? '\n' : e === '"' || e === '\\' ? e : this.fail(`unknown escape "\\${e ?? ''}"`);
      } else out += c;
    }
  }

  /** The rest of the token up to whitespace. */
  token(): string {
    const from = this.pos;
    const t = this.#text;
    while (this.pos < t.length && t.charCodeAt(this.pos) !== SPACE && t.charCodeAt(this.pos) !== TAB) this.pos++;
    return t.slice(from, this.pos);
  }

  rest(): string {
    return this.#text.slice(this.pos);
  }
}

const truncate = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** The number a sample value or timestamp spells (Go's ParseFloat vocabulary), or undefined. */
export function parseSampleValue(v: string): number | undefined {
  if (v === '') return undefined;
  const c = v.charCodeAt(0);
  // Number() alone would accept "", "0x10", " 1" and "Infinity" spelled its own way.
  if (isDigit(c) || c === 46 || c === 43 || c === 45) {
    const n = Number(v);
    if (!Number.isNaN(n) && /^[+-]?[0-9.]/.test(v)) return n;
  }
  const lower = v.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return undefined;
}

/** Reads `{...}`: label pairs, and (Prometheus 3 UTF-8 names) one bare quoted metric name. */
function readLabelSet(s: LineScanner, labels: Record<string, string>): string | undefined {
  s.expect('{');
  let quotedName: string | undefined;
  let count = 0;
  for (;;) {
    s.skipSpace();
    if (s.peek() === 125) break; // }
    const key = s.peek() === 34 ? s.quoted() : s.word(isLetter, isLabelChar, 'label name');
    s.skipSpace();
    if (s.peek() === 61) {
      s.expect('=');
      s.skipSpace();
      if (Object.hasOwn(labels, key)) s.fail(`label "${key}" given twice`);
      labels[key] = s.quoted();
      count++;
    } else if (quotedName === undefined && count === 0) {
      quotedName = key;
    } else s.fail('expected "="');
    s.skipSpace();
    if (s.peek() === 44) s.expect(',');
    else if (s.peek() !== 125) s.fail('expected "," or "}"');
  }
  s.expect('}');
  return quotedName;
}

function readSample(line: string, lineNo: number): ExposedSample {
  const s = new LineScanner(line, lineNo);
  const labels: Record<string, string> = {};
  let name: string | undefined;
  if (s.peek() !== 123) name = s.word(isNameStart, isNameChar, 'metric name');
  if (s.peek() === 123) {
    const quoted = readLabelSet(s, labels);
    if (quoted !== undefined) {
      if (name !== undefined) s.fail('metric name given twice');
      name = quoted;
    }
  }
  if (name === undefined) return s.fail('sample without a metric name');
  if (s.peek() !== SPACE && s.peek() !== TAB) s.fail('expected a space before the value');
  s.skipSpace();
  const valueText = s.token();
  const value = parseSampleValue(valueText) ?? s.fail(`"${valueText}" is not a sample value`);
  s.skipSpace();
  let timestamp: number | undefined;
  if (!s.done && s.peek() !== 35) {
    const ts = s.token();
    timestamp = parseSampleValue(ts) ?? s.fail(`"${ts}" is not a timestamp`);
    s.skipSpace();
  }
  // What follows ` # ` is an OpenMetrics exemplar: not a sample of its own.
  if (!s.done && s.peek() !== 35) s.fail(`unexpected "${s.rest()}"`);
  return timestamp === undefined ? { name, labels, value } : { name, labels, value, timestamp };
}

/**
 * Parses an exposition in the text format 0.0.4 or OpenMetrics (exemplars, `# UNIT` and `# EOF` included).
 * Throws {@link ExpositionSyntaxError} on the first line that is neither a comment nor a sample.
 *
 * @example
 * parseExposition('# TYPE x_total counter\nx_total{a="b"} 1\n').samples[0] // { name: 'x_total', labels: { a: 'b' }, value: 1 }
 */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, ExposedType>();
  const samples: ExposedSample[] = [];
  let lineNo = 0;
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    lineNo++;
    let line = text.slice(from, to);
    from = to + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    if (line.charCodeAt(0) === 35) {
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (m) {
        if (!TYPES.has(m[2] as string))
          throw new ExpositionSyntaxError(lineNo, `unknown metric type "${m[2]}" for ${m[1]}`);
        types.set(m[1] as string, m[2] as ExposedType);
      }
      continue;
    }
    samples.push(readSample(line, lineNo));
  }
  return { types, samples };
}
