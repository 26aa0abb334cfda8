// The path a request names, as the gateway routes it and as it reaches a replica: dot-segments removed (RFC 3986
// §5.2.4), with percent-encoded dots counted as dots, so `/v1/../admin` and `/v1/%2e%2e/metrics` cannot name a
// replica's admin or metrics routes while the gateway attaches its upstream credential. Only `/v1/` paths are
// relayed, and they are checked after this normalisation.

/** A request target split into the normalised path and the query (with its `?`, or ''). */
export interface RequestPath {
  /** The path with dot-segments removed; other bytes as the client sent them. */
  readonly path: string;
  /** `?...` as sent, or ''. */
  readonly query: string;
}

/** Why a request target was refused. */
export type PathProblem = 'encoded_separator' | 'not_origin_form';

/**
 * Normalises a request target in origin form (`/path?query`).
 *
 * - `.` and `..` segments are resolved, also when spelled `%2e` (any case, any mix): a replica may decode them
 *   before it routes, so the gateway must route what the replica will see.
 * - An encoded `/` or `\` (`%2f`, `%5c`) or a literal `\` is refused when, read as a separator, it would make a
 *   dot-segment (`/v1/..%2fadmin`): servers disagree on whether they separate segments, which is exactly what a
 *   traversal needs. Elsewhere it stays as sent (a model id such as `org%2Fname` in `/v1/models/{id}`).
 * - A target that is not in origin form (absolute-form `http://...`, `*`) is refused.
 *
 * @example
 * normalizeRequestPath('/v1/chat/../completions?x=1') // { path: '/v1/completions', query: '?x=1' }
 * normalizeRequestPath('/v1/%2e%2e/metrics')          // { path: '/metrics', query: '' }
 */
export function normalizeRequestPath(target: string): RequestPath | PathProblem {
  if (target.charCodeAt(0) !== 0x2f /* / */) return 'not_origin_form';
  const q = target.indexOf('?');
  const raw = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q);
  // The common case costs one scan: no '.', '%' or '\' means nothing to resolve or refuse.
  if (!/[.%\\]/.test(raw)) return { path: raw, query };
  if (/%(2f|5c)|\\/i.test(raw)) {
    const asSeparators = raw.replace(/%2f|%5c|\\/gi, '/');
    if (asSeparators.split('/').some((seg) => dotSegment(seg) !== 0)) return 'encoded_separator';
  }
  const out: string[] = [];
  const segments = raw.split('/');
  // segments[0] is '' (the path starts with '/').
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i] as string;
    const dots = dotSegment(seg);
    const last = i === segments.length - 1;
    if (dots === 1) {
      // '/a/.' is '/a/': a trailing dot-segment leaves an empty last segment.
      if (last) out.push('');
      continue;
    }
    if (dots === 2) {
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return { path: `/${out.join('/')}`, query };
}

/** 1 for a `.` segment, 2 for `..` (either spelled with `%2e`), 0 for any other. */
function dotSegment(seg: string): 0 | 1 | 2 {
  if (seg === '.') return 1;
  if (seg === '..') return 2;
  if (seg.length < 3 || seg.length > 6) return 0;
  const decoded = seg.replace(/%2e/gi, '.');
  return decoded === '.' ? 1 : decoded === '..' ? 2 : 0;
}
