// Prometheus rule files to the rules the lint checks, with positions: plain rule files (`groups:`), Prometheus
// Operator `PrometheusRule` objects (`spec.groups`), several YAML documents per file, and `kind: List` wrappers.
import { readFile } from 'node:fs/promises';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
  type Scalar,
} from 'yaml';
import { LintInputError } from './lint-input-error.js';

/** A 1-based line and column in a file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Which rule a finding is about. */
export interface RuleRef {
  readonly group: string;
  readonly kind: 'alert' | 'record';
  readonly name: string;
}

/** One rule with its expression and where that expression sits in the file. */
export interface LintRule extends RuleRef {
  readonly expr: string;
  /** Position of the expression's first character (or of `expr:` when the value is on a later line). */
  readonly exprPosition: Position;
  /**
   * Positions of fragments of the expression, given in the order they occur (a selector's text): found in the
   * file's own text, so multi-line expressions point at the right line; the expression's position when a
   * fragment is written differently in the file (escaped quotes, a line fold inside it).
   */
  positionsOf(fragments: readonly string[]): Position[];
}

/** A rule the file defines badly (no `expr`, neither `alert` nor `record`). */
export interface RuleFormatProblem {
  readonly group: string;
  readonly position: Position;
  readonly message: string;
}

/** A parsed rule file. */
export interface RuleFile {
  readonly path: string;
  readonly format: 'rules' | 'PrometheusRule';
  readonly rules: readonly LintRule[];
  readonly problems: readonly RuleFormatProblem[];
}

const IDENT = /[a-zA-Z0-9_:]/;

/** Reads the group list of one YAML document, or undefined when the document holds none. */
function groupsOf(doc: Document, path: string): { groups: YamlNode; format: RuleFile['format'] }[] {
  const top = doc.contents;
  if (!isMap(top)) return [];
  if (top.has('groups')) return [{ groups: top.get('groups', true) as YamlNode, format: 'rules' }];
  const kind = top.get('kind');
  if (kind === 'PrometheusRule') {
    const spec = top.get('spec', true);
    if (!isMap(spec) || !spec.has('groups')) throw new LintInputError(`${path}: PrometheusRule without "spec.groups"`);
    return [{ groups: spec.get('groups', true) as YamlNode, format: 'PrometheusRule' }];
  }
  if (kind === 'List') {
    const items = top.get('items', true);
    if (!isSeq(items)) return [];
    return items.items.flatMap((item) => (isMap(item) ? groupsOf({ contents: item } as Document, path) : []));
  }
  return [];
}

class RuleReader {
  readonly rules: LintRule[] = [];
  readonly problems: RuleFormatProblem[] = [];
  readonly #text: string;
  readonly #lines: LineCounter;
  readonly #path: string;

  constructor(text: string, lines: LineCounter, path: string) {
    this.#text = text;
    this.#lines = lines;
    this.#path = path;
  }

  #pos(offset: number): Position {
    const p = this.#lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  groups(node: YamlNode): void {
    if (!isSeq(node)) throw new LintInputError(`${this.#path}: "groups" must be a list of rule groups`);
    for (const g of node.items) {
      if (!isMap(g))
        throw new LintInputError(
          `${this.#path}:${this.#pos((g as YamlNode | null)?.range?.[0] ?? 0).line}: a rule group must be a mapping with "name" and "rules"`,
        );
      const name = String(g.get('name') ?? '');
      const rules = g.get('rules', true);
      if (rules === undefined || rules === null) continue;
      if (!isSeq(rules)) throw new LintInputError(`${this.#path}: group "${name}": "rules" must be a list`);
      for (const r of rules.items) this.#rule(name, r as YamlNode);
    }
  }

  #rule(group: string, node: YamlNode): void {
    const at = this.#pos(node.range?.[0] ?? 0);
    if (!isMap(node)) {
      this.problems.push({
        group,
        position: at,
        message: 'a rule must be a mapping with "alert" or "record" and "expr"',
      });
      return;
    }
    const alert = node.get('alert');
    const record = node.get('record');
    const kind = alert !== undefined ? 'alert' : record !== undefined ? 'record' : undefined;
    if (!kind) {
      this.problems.push({ group, position: at, message: 'rule has neither "alert" nor "record"' });
      return;
    }
    const name = String(alert ?? record);
    const exprNode = node.get('expr', true) as YamlNode | undefined;
    if (!isScalar(exprNode) || exprNode.value === null || String(exprNode.value).trim() === '') {
      this.problems.push({ group, position: at, message: `${kind} "${name}" has no "expr"` });
      return;
    }
    this.rules.push(this.#lintRule(group, kind, name, exprNode));
  }

  #lintRule(group: string, kind: 'alert' | 'record', name: string, exprNode: Scalar): LintRule {
    const [start, end] = exprNode.range ?? [0, 0];
    const expr = String(exprNode.value);
    const source = this.#text.slice(start, end);
    // A block scalar starts at its indicator (`|`, `>-`); the expression itself starts on the next line.
    let first = start;
    if (exprNode.type === 'BLOCK_LITERAL' || exprNode.type === 'BLOCK_FOLDED') {
      const nl = source.indexOf('\n');
      const lead = nl < 0 ? -1 : source.slice(nl + 1).search(/\S/);
      if (lead >= 0) first = start + nl + 1 + lead;
    }
    const exprPosition = this.#pos(first);
    const text = this.#text;
    const pos = (o: number): Position => this.#pos(o);
    return {
      group,
      kind,
      name,
      expr,
      exprPosition,
      positionsOf(fragments: readonly string[]): Position[] {
        let cursor = start;
        return fragments.map((f) => {
          const at = findWord(text, f, cursor, end);
          if (at < 0) return exprPosition;
          cursor = at + f.length;
          return pos(at);
        });
      },
    };
  }
}

/** The first occurrence of `word` in `text[from, to)` not glued to identifier characters on either side. */
function findWord(text: string, word: string, from: number, to: number): number {
  if (word === '') return -1;
  for (let at = text.indexOf(word, from); at >= 0 && at + word.length <= to; at = text.indexOf(word, at + 1)) {
    const before = text[at - 1] ?? ' ';
    const after = text[at + word.length] ?? ' ';
    const gluedBefore = IDENT.test(word[0]!) && IDENT.test(before);
    const gluedAfter = IDENT.test(word.at(-1)!) && IDENT.test(after);
    if (!gluedBefore && !gluedAfter) return at;
  }
  return -1;
}

/**
 * Parses the text of a rule file. Throws {@link LintInputError} when it is not YAML or holds no rule groups;
 * rules that are badly formed come back as `problems` so the rest can still be checked.
 *
 * @example parseRuleFile('groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n', 'rules.yml').rules[0].exprPosition // { line: 5, column: 11 }
 */
export function parseRuleFile(text: string, path: string): RuleFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  if (!Array.isArray(docs))
    throw new LintInputError(`${path} is empty: expected a Prometheus rule file with "groups:"`);
  for (const d of docs) {
    const e = d.errors[0];
    if (e) {
      const p = lines.linePos(e.pos[0]);
      throw new LintInputError(`${path} is not valid YAML (line ${p.line}: ${e.message.split('\n')[0]})`);
    }
  }
  const reader = new RuleReader(text, lines, path);
  let format: RuleFile['format'] | undefined;
  for (const d of docs) {
    for (const found of groupsOf(d, path)) {
      format ??= found.format;
      reader.groups(found.groups);
    }
  }
  if (!format)
    throw new LintInputError(
      `${path} is not a Prometheus rule file: expected a top-level "groups:" list, or a PrometheusRule with "spec.groups"`,
    );
  return { path, format, rules: reader.rules, problems: reader.problems };
}

/** Reads and parses a rule file; an unreadable file is a {@link LintInputError} naming it. */
export async function readRuleFile(path: string): Promise<RuleFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new LintInputError(`cannot read rule file ${path}: ${why}`, { cause: err });
  }
  return parseRuleFile(text, path);
}
