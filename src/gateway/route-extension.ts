// The gateway's one extension point: routes something else serves under a path prefix of the gateway (the live
// dashboard page), with a narrow view of the gateway to work with. The gateway knows only these types, never what
// implements them; src/cli composes the two, so the gateway never imports the dashboard.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from './config.js';
import type { Logger } from '../telemetry/logging/logger.js';
import type { SmallResponse } from '../upstream-http/index.js';

/** A small request to one replica, over the replica's own HTTP client. */
export interface ReplicaRequest {
  /** @default 'GET' */
  readonly method?: 'GET' | 'POST' | 'DELETE';
  /** Path and query on the replica, starting with `/` (the replica's base path is prepended). */
  readonly path: string;
  readonly body?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default the health-check timeout */
  readonly timeoutMs?: number;
  /** @default 4 MiB */
  readonly maxBytes?: number;
}

/** What an extension may use of the gateway that serves it. Nothing here changes how the gateway relays. */
export interface GatewayHost {
  readonly config: Readonly<GatewayConfig>;
  readonly logger: Logger;
  /** The gateway's base URL (`http://127.0.0.1:4000`); empty until it listens. */
  url(): string;
  /** What GET /metrics serves, in the text format: this gateway's registry (a cluster worker: the cluster's). */
  metricsText(): Promise<string>;
  /** The replicas, by name, with their base URLs. */
  readonly replicas: readonly { readonly name: string; readonly url: string }[];
  /**
   * A small request to the named replica on the kept-alive connections the gateway relays on. No credential is
   * added: the upstream key is only ever sent on /v1/ paths. Rejects for an unknown name.
   */
  replicaRequest(name: string, request: ReplicaRequest): Promise<SmallResponse>;
  /** Whether `key` is one of the gateway API keys (compared in constant time); false when none is configured. */
  isApiKey(key: string): boolean;
  /** True once the gateway is shutting down. */
  draining(): boolean;
}

/** Routes an extension serves: every request whose path is `prefix` or starts with `prefix/`. */
export interface GatewayRoutes {
  /** `/name`: one segment, not one of the gateway's own routes and not under /v1. */
  readonly prefix: string;
  /**
   * Answers one request. The extension answers errors itself (OpenAI-shaped JSON, as the gateway does); one it
   * throws becomes the gateway's 500.
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void | Promise<void>;
  /** Called once the gateway listens (its URL is known): background work starts here. */
  start?(): void;
  /** Called once when the gateway closes, before its connections to the replicas are closed. */
  close?(): Promise<void>;
}

/** Builds an extension's routes once the gateway it runs in exists. */
export type GatewayExtension = (host: GatewayHost) => GatewayRoutes;

const RESERVED = new Set(['/v1', '/metrics', '/healthz', '/readyz']);

/** Checks an extension's prefix; throws a TypeError naming the problem. */
export function checkPrefix(prefix: string): void {
  if (!/^\/[a-z0-9][a-z0-9_-]*$/i.test(prefix))
    throw new TypeError(`gateway extension prefix "${prefix}" must be one path segment such as /dashboard`);
  if (RESERVED.has(prefix.toLowerCase()))
    throw new TypeError(`gateway extension prefix "${prefix}" is one of the gateway's own routes`);
}

/** The extension whose prefix covers `path`, if any. */
export function extensionFor(routes: readonly GatewayRoutes[], path: string): GatewayRoutes | undefined {
  for (const r of routes) if (path === r.prefix || path.startsWith(`${r.prefix}/`)) return r;
  return undefined;
}
