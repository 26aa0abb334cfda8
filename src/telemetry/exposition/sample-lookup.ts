// Finding samples in a parsed exposition by name and labels: how tests and tools read one value back from a scrape.
import type { Exposition, ExposedSample } from './exposition-parser.js';

/**
 * The samples named `name` whose labels include every pair in `match`.
 *
 * @example findSamples(parseExposition(text), 'vllm:request_success_total', { finished_reason: 'stop' })
 */
export function findSamples(
  exposition: Exposition,
  name: string,
  match: Readonly<Record<string, string>> = {},
): ExposedSample[] {
  const pairs = Object.entries(match);
  return exposition.samples.filter((s) => s.name === name && pairs.every(([k, v]) => s.labels[k] === v));
}

/**
 * The value of the one sample named `name` matching `match`; throws when there is not exactly one.
 *
 * @example sampleValue(parseExposition(text), 'vllm:num_requests_running') // 3
 */
export function sampleValue(
  exposition: Exposition,
  name: string,
  match: Readonly<Record<string, string>> = {},
): number {
  const found = findSamples(exposition, name, match);
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(match)}, found ${found.length}`);
  return (found[0] as ExposedSample).value;
}
