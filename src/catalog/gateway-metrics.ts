// Metrics only the gateway has: what happened on each attempt against each replica, and replica health.
import type { MetricDefinition } from './metric-definition.js';

/**
 * Outcome of one attempt against one replica. Closed set: `ok` (a response was relayed), `http_NNN` (a
 * retryable status before anything reached the client: 429, 5xx), `connect_error`, `timeout` (no headers in
 * time), `reset` (the connection failed before the headers), `aborted` (the client left first).
 */
export const ATTEMPT_OUTCOMES = ['ok', 'connect_error', 'timeout', 'reset', 'aborted'] as const;

/**
 * Why the gateway closed a client connection itself. Closed set: `header_timeout` (the request head was not
 * complete within headerTimeout of its first byte, or of the connection's opening when no byte came),
 * `body_timeout` (the request was not received in full within bodyTimeout), `idle_timeout` (a kept-alive
 * connection idle for idleTimeout), `over_capacity` (maxConnections reached: dropped on accept), `bad_request`
 * (bytes that are not HTTP/1.1), `headers_too_large` (a head over Node's header size limit).
 */
export const CONNECTION_CLOSE_REASONS = [
  'header_timeout',
  'body_timeout',
  'idle_timeout',
  'over_capacity',
  'bad_request',
  'headers_too_large',
] as const;
export type ConnectionCloseReason = (typeof CONNECTION_CLOSE_REASONS)[number];

export const GATEWAY_METRICS = {
  upstreamAttempts: {
    id: 'upstreamAttempts',
    name: 'llm_upstream_attempts_total',
    type: 'counter',
    help: 'Attempts to send a request to an upstream replica, by replica and outcome (ok, http_NNN, connect_error, timeout, reset, aborted).',
    labels: ['upstream', 'outcome'],
    unit: 'events',
    meaning:
      'Failover in action: non-ok outcomes on one replica with ok on another mean the gateway hid a failure from users.',
  },
  upstreamHealthy: {
    id: 'upstreamHealthy',
    name: 'llm_upstream_healthy',
    type: 'gauge',
    help: 'Whether the gateway currently routes to a replica (1) or has it ejected or failing its health check (0).',
    labels: ['upstream'],
    unit: 'events',
    meaning: 'Replicas in rotation; sum() is the serving capacity the gateway sees.',
  },
  upstreamInFlight: {
    id: 'upstreamInFlight',
    name: 'llm_upstream_requests_in_flight',
    type: 'gauge',
    help: 'Requests the gateway has open against each replica.',
    labels: ['upstream'],
    unit: 'requests',
    meaning: 'Load per replica as the gateway balances it.',
  },
  clientConnections: {
    id: 'clientConnections',
    name: 'llm_gateway_client_connections',
    type: 'gauge',
    help: 'Client connections the gateway holds open now (streaming, receiving a request, or kept alive and idle).',
    labels: [],
    unit: 'events',
    meaning:
      'Connection load; near the maxConnections cap, new clients are refused (see llm_gateway_client_connections_closed_total{reason="over_capacity"}).',
  },
  clientConnectionsClosed: {
    id: 'clientConnectionsClosed',
    name: 'llm_gateway_client_connections_closed_total',
    type: 'counter',
    help: 'Client connections the gateway closed itself, by reason (header_timeout, body_timeout, idle_timeout, over_capacity, bad_request, headers_too_large).',
    labels: ['reason'],
    unit: 'events',
    meaning:
      'Slow or malformed clients being cut off: a rise in header_timeout or body_timeout is a slowloris-style flood or a client on a bad network; over_capacity means the cap turns clients away.',
  },
} as const satisfies Record<string, MetricDefinition>;
