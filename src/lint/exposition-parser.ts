// Reads a scraped /metrics page, in the Prometheus text format 0.0.4 or OpenMetrics 1.0, into what the lint needs:
// every series (name and labels) and every family's declared type. Values are validated, not kept.

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

/** One series as exposed: its sample name and labels (without `__name__`). */
export interface ExposedSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A parsed exposition. */
export interface Exposition {
  /** Declared family types by family name, as written after `# TYPE`. */
  readonly types: ReadonlyMap<string, ExposedType>;
  readonly series: readonly ExposedSeries[];
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

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/** A cursor over one line. Each method either consumes what it names or throws with the column. */
class LineScanner {
  #pos = 0;
  readonly #text: string;
  readonly #lineNo: number;

  constructor(text: string, lineNo: number) {
    this.#text = text;
    this.#lineNo = lineNo;
  }

  get done(): boolean {
    return this.#pos >= this.#text.length;
  }

  peek(): string | undefined {
    return this.#text[this.#pos];
  }

  fail(problem: string): never {
    throw new ExpositionSyntaxError(this.#lineNo, `${problem} at column ${this.#pos + 1}: ${truncate(this.#text)}`);
  }

  skipSpace(): void {
    while (this.#text[this.#pos] === ' ' || this.#text[this.#pos] === '\t') this.#pos++;
  }

  expect(ch: string): void {
    if (this.#text[this.#pos] !== ch) this.fail(`expected "${ch}"`);
    this.#pos++;
  }

  word(start: RegExp, rest: RegExp, what: string): string {
    const from = this.#pos;
    if (!start.test(this.#text[this.#pos] ?? '')) this.fail(`expected a ${what}`);
    this.#pos++;
    while (rest.test(this.#text[this.#pos] ?? '')) this.#pos++;
    return this.#text.slice(from, this.#pos);
  }

  /** A double-quoted string with the format's escapes (`\\`, `\"`, `\n`). */
  quoted(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.#text[this.#pos++];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') return out;
      if (c === '\\') {
        const e = this.#text[this.#pos++];
        out += e === 'n' ? '\n' : e === '"' || e === '\\' ? e : this.fail(`unknown escape "\\${e ?? ''}"`);
      } else out += c;
    }
  }

  /** The rest of the token up to whitespace. */
  token(): string {
    const from = this.#pos;
    while (this.#pos < this.#text.length && this.#text[this.#pos] !== ' ' && this.#text[this.#pos] !== '\t')
      this.#pos++;
    return this.#text.slice(from, this.#pos);
  }

  rest(): string {
    return this.#text.slice(this.#pos);
  }
}

const truncate = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

function isNumber(v: string): boolean {
  if (/^[+-]?(inf|infinity)$/i.test(v) || /^nan$/i.test(v)) return true;
  return v !== '' && /^[+-]?[0-9.]/.test(v) && !Number.isNaN(Number(v));
}

/** Reads `{...}`: label pairs, and (Prometheus 3 UTF-8 names) one bare quoted metric name. */
function readLabelSet(s: LineScanner, labels: Record<string, string>): string | undefined {
  s.expect('{');
  let quotedName: string | undefined;
  for (;;) {
    s.skipSpace();
    if (s.peek() === '}') break;
    const key = s.peek() === '"' ? s.quoted() : s.word(LABEL_START, LABEL_CHAR, 'label name');
    s.skipSpace();
    if (s.peek() === '=') {
      s.expect('=');
      s.skipSpace();
      if (key in labels) s.fail(`label "${key}" given twice`);
      labels[key] = s.quoted();
    } else if (quotedName === undefined && Object.keys(labels).length === 0) {
      quotedName = key;
    } else s.fail('expected "="');
    s.skipSpace();
    if (s.peek() === ',') s.expect(',');
    else if (s.peek() !== '}') s.fail('expected "," or "}"');
  }
  s.expect('}');
  return quotedName;
}

function readSample(line: string, lineNo: number): ExposedSeries {
  const s = new LineScanner(line, lineNo);
  const labels: Record<string, string> = {};
  let name: string | undefined;
  if (s.peek() !== '{') name = s.word(NAME_START, NAME_CHAR, 'metric name');
  if (s.peek() === '{') {
    const quoted = readLabelSet(s, labels);
    if (quoted !== undefined) {
      if (name !== undefined) s.fail('metric name given twice');
      name = quoted;
    }
  }
  if (name === undefined) return s.fail('sample without a metric name');
  if (s.peek() !== ' ' && s.peek() !== '\t') s.fail('expected a space before the value');
  s.skipSpace();
  const value = s.token();
  if (!isNumber(value)) s.fail(`"${value}" is not a sample value`);
  s.skipSpace();
  if (!s.done && s.peek() !== '#') {
    const ts = s.token();
    if (!isNumber(ts)) s.fail(`"${ts}" is not a timestamp`);
    s.skipSpace();
  }
  // What follows ` # ` is an OpenMetrics exemplar: not a series of its own.
  if (!s.done && s.peek() !== '#') s.fail(`unexpected "${s.rest()}"`);
  return { name, labels };
}

/**
 * Parses an exposition in the text format 0.0.4 or OpenMetrics (exemplars, `# UNIT` and `# EOF` included).
 * Throws {@link ExpositionSyntaxError} on the first line that is neither a comment nor a sample.
 *
 * @example parseExposition('# TYPE x_total counter\nx_total{a="b"} 1\n').series[0] // { name: 'x_total', labels: { a: 'b' } }
 */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, ExposedType>();
  const series: ExposedSeries[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (m) {
        if (!TYPES.has(m[2]!)) throw new ExpositionSyntaxError(i + 1, `unknown metric type "${m[2]}" for ${m[1]}`);
        types.set(m[1]!, m[2] as ExposedType);
      }
      continue;
    }
    series.push(readSample(line, i + 1));
  }
  return { types, series };
}
