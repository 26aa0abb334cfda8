// Table-driven tests for a detector: each positive lists the exact values it must find; a negative must find none.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detector } from '../detector.js';

/** The substrings `detector` reports in `text`, in order. */
export function detectedValues(detector: Detector, text: string): string[] {
  return detector
    .detect(text)
    .slice()
    .sort((a, b) => a.start - b.start)
    .map((s) => text.slice(s.start, s.end));
}

/** Registers one test per row: `[text, values]` must yield exactly `values`; a negative must yield nothing. */
export function detectorTable(
  detector: Detector,
  positives: ReadonlyArray<readonly [text: string, values: readonly string[]]>,
  negatives: readonly string[],
): void {
  for (const [text, values] of positives) {
    const found = values.map((v) => JSON.stringify(v)).join(', ');
    test(`${detector.type} detector finds ${found} in ${JSON.stringify(text)}`, () => {
      assert.deepEqual(detectedValues(detector, text), values);
    });
  }
  for (const text of negatives) {
    test(`${detector.type} detector finds nothing in ${JSON.stringify(text)}`, () => {
      assert.deepEqual(detectedValues(detector, text), []);
    });
  }
}
