// What may become a metric label: bounded by construction, never a person. Checked when options are read, so a
// cardinality mistake fails at start-up with a message instead of taking Prometheus down a week later.
import { InferwatchError, InvalidOptionError } from '../../errors/index.js';

/** Label names inferwatch itself uses; a constant label may not reuse them. */
const RESERVED = new Set(['model', 'status', 'user_tier', 'reason', 'le', 'quantile', 'job', 'instance']);

/**
 * Names that identify a person, a session or a single request. With 100k users a user label makes every series
 * 100k series; identities belong in logs and spans.
 */
const IDENTIFYING =
  /^(user|users|user_?id|userid|user_?name|username|uid|email|e_?mail|session|session_?id|sid|customer|customer_?id|account|account_?id|tenant_?user|client_?ip|ip|ip_?address|request_?id|trace_?id|span_?id|api_?key|token|phone)$/i;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Largest number of tiers accepted: `user_tier` is a small closed set (free, pro, enterprise, ...). */
export const MAX_TIERS = 32;

/** Throws when `name` may not be used as a metric label name. `option` names where it came from. */
export function assertLabelNameAllowed(option: string, name: string): void {
  if (IDENTIFYING.test(name)) {
    throw new InferwatchError(
      'IW_CARDINALITY',
      `Invalid option "${option}": "${name}" would put a per-user or per-request identity into a metric label, ` +
        `which makes one time series per user. Remove it; inferwatch records the user id in logs and spans ` +
        `(the OpenAI "user" field or the user header), and groups users in metrics by user_tier.`,
    );
  }
  if (!LABEL_NAME.test(name) || name.startsWith('__')) {
    throw new InvalidOptionError(
      option,
      `"${name}" is not a Prometheus label name`,
      'Use [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__".',
    );
  }
  if (RESERVED.has(name)) {
    throw new InvalidOptionError(option, `"${name}" is a label inferwatch sets itself`, 'Choose another name.');
  }
}

/** Validates constant labels (`{service: "chat-api"}`): allowed names, short string values. */
export function validateConstLabels(option: string, labels: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    assertLabelNameAllowed(`${option}.${name}`, name);
    if (typeof value !== 'string' || value.length > 128) {
      throw new InvalidOptionError(
        `${option}.${name}`,
        'constant label values must be strings of at most 128 characters',
        'Give a fixed value such as a service or environment name.',
      );
    }
    out[name] = value;
  }
  return out;
}

/** Validates the configured tier list. */
export function validateTiers(option: string, tiers: readonly unknown[]): string[] {
  if (tiers.length > MAX_TIERS) {
    throw new InferwatchError(
      'IW_CARDINALITY',
      `Invalid option "${option}": ${tiers.length} tiers. user_tier is a small closed set (at most ${MAX_TIERS}, such as free, pro, enterprise); ` +
        `per-user values belong in logs and spans, not in metric labels.`,
    );
  }
  return tiers.map((t, i) => {
    if (typeof t !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(t)) {
      throw new InvalidOptionError(
        `${option}[${i}]`,
        `${JSON.stringify(t)} is not a tier name`,
        'Use 1-64 characters from A-Z a-z 0-9 _ . -',
      );
    }
    return t;
  });
}
