// Metrics only the gateway has: what happened on each attempt against each replica, and replica health.
import type { MetricDefinition } from './metric-definition.js';

/**
 * Outcome of one attempt against one replica. Closed set: `ok` (a response was relayed), `http_NNN` (a
 * retryable status before anything reached the client: 429, 5xx), `connect_error`, `timeout` (no headers in
 * time), `reset` (the connection failed before the headers), `aborted` (the client left first).
 */
export const ATTEMPT_OUTCOMES = ['ok', 'connect_error', 'timeout', 'reset', 'aborted'] as const;

export const GATEWAY_METRICS = {
  upstreamAttempts: {
    id: 'upstreamAttempts',
    name: 'llm_upstream_attempts_total',
    type: 'counter',
    help: 'Attempts to send a request to an upstream replica, by replica and outcome (ok, http_NNN, connect_error, timeout, reset, aborted).',
    labels: ['upstream', 'outcome'],
    unit: 'events',
    meaning: 'Failover in action: non-ok outcomes on one replica with ok on another mean the gateway hid a failure from users.',
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
} as const satisfies Record<string, MetricDefinition>;
