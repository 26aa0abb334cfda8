// A JSON value valid against a JSON schema, drawn from a seeded generator: what an engine with structured output
// (vLLM's guided decoding) emits for `response_format: {type: "json_schema"}`. The subset covered is what
// response_format schemas use in practice (objects, arrays, strings, numbers, booleans, null, enum, const,
// bounds, anyOf/oneOf, local $ref); a keyword outside it is refused by name rather than ignored, because
// ignoring it could emit JSON the schema rejects.
import { WORDS } from './text-generator.js';
import type { Prng } from './prng.js';

/** A schema the simulator cannot honour: the keyword and where. */
export class UnsupportedSchemaError extends Error {
  constructor(
    readonly keyword: string,
    readonly at: string,
  ) {
    super(`the simulator cannot honour the JSON schema keyword "${keyword}" (at ${at})`);
    this.name = 'UnsupportedSchemaError';
  }
}

type Schema = Record<string, unknown>;

/** Keywords that only describe (no effect on validity) or that the generator handles. */
const KNOWN = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'anyOf',
  'oneOf',
  '$ref',
  '$defs',
  'definitions',
  'title',
  'description',
  'default',
  'examples',
  '$schema',
  '$id',
  'strict',
]);

/** Deepest nesting followed (guards against self-referencing schemas). */
const MAX_DEPTH = 32;

/**
 * A value valid against `schema`.
 *
 * @example jsonFromSchema({ type: 'object', properties: { score: { type: 'integer', minimum: 1, maximum: 5 } }, required: ['score'] }, new Prng(1))
 */
export function jsonFromSchema(schema: unknown, rng: Prng): unknown {
  const root = asSchema(schema, '#');
  return gen(root, root, rng, '#', 0);
}

function asSchema(s: unknown, at: string): Schema {
  if (s === true || s === undefined) return {};
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new UnsupportedSchemaError('(not an object)', at);
  return s as Schema;
}

function resolveRef(root: Schema, ref: string, at: string): Schema {
  const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  const defs = m ? (root[m[1] as string] as Record<string, unknown> | undefined) : undefined;
  const target = m && defs ? defs[decodeURIComponent(m[2] as string)] : undefined;
  if (target === undefined) throw new UnsupportedSchemaError(`$ref ${ref}`, at);
  return asSchema(target, ref);
}

const pick = <T>(xs: readonly T[], rng: Prng): T => xs[Math.floor(rng.next() * xs.length)] as T;

function gen(s: Schema, root: Schema, rng: Prng, at: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new UnsupportedSchemaError('(nesting deeper than 32)', at);
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new UnsupportedSchemaError(k, at);
  if (typeof s.$ref === 'string') return gen(resolveRef(root, s.$ref, at), root, rng, s.$ref, depth + 1);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) {
    if (s.enum.length === 0) throw new UnsupportedSchemaError('enum (empty)', at);
    return pick(s.enum, rng);
  }
  const branches = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    // The first branch: oneOf's branches rarely overlap in response_format schemas, and the first is the intended one.
    return gen(asSchema(branches[0], `${at}/anyOf/0`), root, rng, `${at}/anyOf/0`, depth + 1);
  }
  let type = s.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? 'null';
  if (type === undefined) type = s.properties !== undefined ? 'object' : s.items !== undefined ? 'array' : 'string';
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props))
        out[k] = gen(asSchema(v, `${at}/${k}`), root, rng, `${at}/${k}`, depth + 1);
      for (const r of (s.required ?? []) as unknown[]) {
        if (typeof r === 'string' && !(r in out)) {
          if (s.additionalProperties === false)
            throw new UnsupportedSchemaError(`required "${r}" with no property`, at);
          out[r] = sentence(rng, 3);
        }
      }
      return out;
    }
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 1;
      const max = typeof s.maxItems === 'number' ? s.maxItems : Math.max(min, 3);
      if (max < min) throw new UnsupportedSchemaError('maxItems below minItems', at);
      const n = min + Math.floor(rng.next() * (max - min + 1));
      const items = asSchema(s.items, `${at}/items`);
      return Array.from({ length: n }, (_, i) => gen(items, root, rng, `${at}/items/${i}`, depth + 1));
    }
    case 'string': {
      const min = typeof s.minLength === 'number' ? s.minLength : 0;
      const max = typeof s.maxLength === 'number' ? s.maxLength : 200;
      let text = sentence(rng, 4 + Math.floor(rng.next() * 12));
      while (text.length < min) text += ` ${pick(WORDS, rng)}`;
      if (text.length > max) text = text.slice(0, max).trimEnd();
      if (text.length < min) throw new UnsupportedSchemaError('minLength above maxLength', at);
      return text;
    }
    case 'integer':
    case 'number': {
      let lo = typeof s.minimum === 'number' ? s.minimum : 0;
      let hi = typeof s.maximum === 'number' ? s.maximum : 100;
      if (typeof s.exclusiveMinimum === 'number')
        lo = Math.max(lo, s.exclusiveMinimum + (type === 'integer' ? 1 : 1e-9));
      if (typeof s.exclusiveMaximum === 'number')
        hi = Math.min(hi, s.exclusiveMaximum - (type === 'integer' ? 1 : 1e-9));
      if (type === 'integer') {
        lo = Math.ceil(lo);
        hi = Math.floor(hi);
        if (hi < lo) throw new UnsupportedSchemaError('an empty integer range', at);
        return lo + Math.floor(rng.next() * (hi - lo + 1));
      }
      if (hi < lo) throw new UnsupportedSchemaError('an empty number range', at);
      const x = lo + rng.next() * (hi - lo);
      const short = Math.round(x * 100) / 100; // two decimals read better, where the bounds allow them
      return short >= lo && short <= hi ? short : x;
    }
    case 'boolean':
      return rng.next() < 0.5;
    case 'null':
      return null;
    default:
      throw new UnsupportedSchemaError(`type ${JSON.stringify(type)}`, at);
  }
}

/** A short sentence of the generator's words. */
function sentence(rng: Prng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(WORDS, rng));
  const s = out.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}
