// Request intake: everything between a request's head arriving and the decision to relay it. The body is read
// (bounded in size and time), parsed and checked, the caller identified; the result is a request to relay or the
// OpenAI-shaped error to refuse it with. Nothing here answers the client or records metrics: the server does
// both, once, from the result.
import type { IncomingMessage } from 'node:http';
import { operationOf, readRequest, type LlmRequest, type Operation } from '../instrumentation/request-info.js';
import type { ClientConnections } from './client-connections.js';
import type { GatewayConfig } from './config.js';
import { ERRORS, type GatewayError } from './http-errors.js';
import { identify } from './identity.js';
import { normalizeRequestPath } from './request-path.js';

/** A request the gateway will relay. */
export interface AcceptedRequest {
  readonly kind: 'accepted';
  readonly operation: Operation;
  /** Normalised path and the query, as the replica gets them. */
  readonly target: string;
  readonly request: LlmRequest;
  readonly body: Buffer | null;
  /** The JSON body when it parsed as one (the relay splices `stream_options` into it). */
  readonly parsed: unknown;
  readonly tier: string | undefined;
  readonly user: string | undefined;
}

/** A request refused before any replica saw it. */
export interface RejectedRequest {
  readonly kind: 'rejected';
  readonly request: LlmRequest;
  readonly error: GatewayError;
  /** Close the connection after the answer (the rest of the request cannot be trusted to be read). */
  readonly close: boolean;
  readonly tier: string | undefined;
  readonly user: string | undefined;
}

/** The client went away before its request was complete. */
export interface AbortedRequest {
  readonly kind: 'aborted';
  readonly request: LlmRequest;
}

export type Intake = AcceptedRequest | RejectedRequest | AbortedRequest;

/** What intake needs from the gateway. */
export interface IntakeDeps {
  readonly config: GatewayConfig;
  readonly connections: ClientConnections;
  /** The gateway is draining: new requests are refused (and still counted). */
  readonly shuttingDown: () => boolean;
}

/**
 * Reads and judges one `/v1/` request. `rawTarget` is the request target as sent; the path is normalised
 * before it is routed (see `request-path.ts`), and one that leaves `/v1/` is refused.
 */
export async function takeRequest(req: IncomingMessage, rawTarget: string, deps: IntakeDeps): Promise<Intake> {
  const { config } = deps;
  const method = req.method ?? 'GET';
  const target = normalizeRequestPath(rawTarget);
  const badPath = typeof target === 'string' || !target.path.startsWith('/v1/');
  const operation: Operation = badPath ? 'other' : method === 'POST' ? operationOf(target.path) : 'other';

  const body = await readBody(req, config.bodyLimit, deps.connections);
  if (body === 'aborted') return { kind: 'aborted', request: readRequest(operation, undefined) };

  let parsed: unknown;
  let error: GatewayError | undefined;
  if (badPath) error = ERRORS.badPath();
  else if (body === 'timeout') error = ERRORS.requestTimeout(config.bodyTimeout);
  else if (body === 'malformed') error = ERRORS.badHttp();
  else if (body === 'too_large') error = ERRORS.bodyTooLarge(config.bodyLimit);
  else if (operation !== 'other' && body !== null) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) error = ERRORS.notAnObject();
      else if (typeof (parsed as { model?: unknown }).model !== 'string') error = ERRORS.missingModel();
    } catch (err) {
      error = ERRORS.invalidJson((err as Error).message);
    }
  } else if (operation !== 'other') error = ERRORS.notAnObject();
  else if (body !== null) {
    // Passed through as it is; read only to label the request with its model when the body is JSON.
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
  }
  const raw = Buffer.isBuffer(body) ? body : undefined;
  // The raw body rather than the parsed one backs the prompt text: see readRequest.
  const request = readRequest(operation, error ? undefined : parsed, error ? undefined : raw);
  const who = identify(req.headers, parsed, config);
  if (!error && 'error' in who) error = who.error;
  // A request that arrives on a kept-alive connection while the gateway drains is refused, and still counted.
  if (!error && deps.shuttingDown()) error = ERRORS.shuttingDown();
  const user = 'user' in who ? who.user : undefined;
  const tier = 'tier' in who ? who.tier : undefined;
  if (error) {
    // A timed-out or malformed upload is cut off mid-body, and a draining gateway wants its connections back.
    const close = body === 'timeout' || body === 'malformed' || error.code === 'gateway_shutting_down';
    return { kind: 'rejected', request, error, close, tier, user };
  }
  return {
    kind: 'accepted',
    operation,
    target: (target as { path: string; query: string }).path + (target as { query: string }).query,
    request,
    body: raw ?? null,
    parsed,
    tier,
    user,
  };
}

/** Bytes of an over-limit body the gateway reads and discards after answering 413, before it closes instead. */
export function drainLimit(bodyLimit: number): number {
  return Math.max(bodyLimit, 16 << 20);
}

type BodyResult = Buffer | null | 'too_large' | 'aborted' | 'timeout' | 'malformed';

/**
 * The whole request body, null when empty, 'too_large' as soon as it passes the limit, 'timeout' when its
 * deadline passes first and 'malformed' when its framing breaks (see `ClientConnections.watchBody`), 'aborted'
 * when the client goes away.
 *
 * An over-limit body is answered (413) at once and the rest is read and discarded, up to {@link drainLimit}
 * bytes and the body deadline, so the client can read the answer instead of a reset (a connection closed with
 * unread bytes is reset by the kernel); past those bounds the connection is closed.
 *
 * Plain events rather than `for await`: the async iterator costs a promise per chunk on every request.
 */
function readBody(req: IncomingMessage, limit: number, connections: ClientConnections): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  return new Promise((resolve) => {
    let first: Buffer | undefined;
    let parts: Buffer[] | undefined;
    let size = 0;
    let settled = false;
    let draining = false;
    const drainBudget = drainLimit(limit);
    // Past the body deadline or with broken framing: answered (408, 400) while the body is awaited; closed while an
    // over-limit one is drained.
    const unwatch = connections.watchBody(req, (problem) => (draining ? req.socket.destroy() : settle(problem)));
    // Once settled, the listeners go: the request object lives as long as its stream, and these closures would
    // keep the body's first read alive with it.
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      if (result === 'too_large') {
        drain();
      } else {
        req.off('data', onData).off('end', onEnd);
        unwatch();
      }
      resolve(result);
    };
    const drain = (): void => {
      draining = true;
      first = undefined;
      parts = undefined;
      req.off('end', onEnd).once('end', unwatch);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (draining) {
        if (size - limit > drainBudget) {
          req.off('data', onData);
          unwatch();
          req.socket.destroy();
        }
        return;
      }
      if (size > limit) settle('too_large');
      else if (first === undefined) first = chunk;
      else (parts ??= [first]).push(chunk);
    };
    const onEnd = (): void => settle(size === 0 ? null : parts ? Buffer.concat(parts, size) : (first as Buffer));
    // The client went away before the body was complete (or a drained connection was reset: nothing to do).
    const onError = (): void => {
      if (draining) unwatch();
      settle('aborted');
    };
    req.on('data', onData).on('end', onEnd).once('error', onError).on('error', ignore);
    if (Number.isFinite(declared) && declared > limit) settle('too_large');
  });
}

/** Keeps a request's late 'error' (a reset after its body was read) from being an uncaught exception. */
function ignore(): void {}
