import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IBAN_LENGTHS, ibanDetector, ibanValid } from './iban.js';
import { detectedValues, detectorTable } from './test-support/detector-table.js';

detectorTable(
  ibanDetector,
  [
    ['IBAN GB82 WEST 1234 5698 7654 32.', ['GB82 WEST 1234 5698 7654 32']],
    ['DE89370400440532013000', ['DE89370400440532013000']],
    ['FR14 2004 1010 0505 0001 3M02 606', ['FR14 2004 1010 0505 0001 3M02 606']],
    ['short Norway NO9386011117947', ['NO9386011117947']],
    ['Belgium BE68 5390 0754 7034 then words', ['BE68 5390 0754 7034']],
    ['group run into a word AT61 1904 3002 3457 3201 SEPA', ['AT61 1904 3002 3457 3201']],
    ['lower case gb82 west 1234 5698 7654 32', ['gb82 west 1234 5698 7654 32']],
    ['dashes GB82-WEST-1234-5698-7654-32', ['GB82-WEST-1234-5698-7654-32']],
    ['Malta MT84MALT011000012345MTLCAST001S', ['MT84MALT011000012345MTLCAST001S']],
  ],
  [
    'wrong check digits GB00 WEST 1234 5698 7654 32',
    'wrong length for the country DE89 3704 0044 0532 0130',
    'unknown country ZZ12 3456 7890 1234 56',
    'a serial AB12CDEF34567890XYZ',
    'mixed separators GB82 WEST-1234 5698 7654 32',
    'SKU-88231-XL and ISO 3166',
  ],
);

test('the mod-97 check accepts registry examples and rejects a changed character', () => {
  assert.equal(ibanValid('GB82WEST12345698765432'), true);
  assert.equal(ibanValid('GB82WEST12345698765433'), false);
  assert.equal(ibanValid('gb82west12345698765432'), false); // callers upper-case first
});

test('every registry length is between 15 (Norway) and 33 (Russia)', () => {
  for (const [country, length] of Object.entries(IBAN_LENGTHS)) {
    assert.match(country, /^[A-Z]{2}$/);
    assert.ok(length >= 15 && length <= 33, `${country} ${length}`);
  }
});

test('an IBAN right after another grouped code is still found', () => {
  assert.deepEqual(detectedValues(ibanDetector, 'ref AB12 DE89 3704 0044 0532 0130 00'), [
    'DE89 3704 0044 0532 0130 00',
  ]);
});
