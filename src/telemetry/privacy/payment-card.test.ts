import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knownCardPrefix, luhnValid, paymentCardDetector } from './payment-card.js';
import { detectorTable } from './test-support/detector-table.js';

detectorTable(
  paymentCardDetector,
  [
    ['Visa 4111 1111 1111 1111 exp 12/27', ['4111 1111 1111 1111']],
    ['dashed 4012-8888-8888-1881.', ['4012-8888-8888-1881']],
    ['compact 5555555555554444', ['5555555555554444']],
    ['Amex 3782 822463 10005', ['3782 822463 10005']],
    ['Amex 371449635398431', ['371449635398431']],
    ['Discover 6011 1111 1111 1117', ['6011 1111 1111 1117']],
    ['Mastercard 2-series 2223 0031 2200 3222', ['2223 0031 2200 3222']],
    ['Diners 3056 930902 5904', ['3056 930902 5904']],
    ['JCB 3530111333300000', ['3530111333300000']],
    ['13-digit Visa 4222222222222', ['4222222222222']],
    ['card=4917610000000000&cvc=1', ['4917610000000000']],
    ['a year after it 4111 1111 1111 1111 2027', ['4111 1111 1111 1111']],
    ['right after a phone +44 20 7946 0958 4111 1111 1111 1111', ['4111 1111 1111 1111']],
  ],
  [
    'Luhn fails: 4111 1111 1111 1112',
    'unknown issuer: 1234 5678 9012 3456 and 9400100000000000',
    'epoch millis 1700000000123',
    'twenty digits 12345678901234567890',
    'tracking 7489 2615 0034 8812',
    'mixed separators 4111 1111-1111 1111',
    'a decimal 4111111111111111.5',
    'price list 4111 apples, 1111 pears',
    'IBAN digits DE89 3704 0044 0532 0130 00 are checked by the IBAN detector',
  ],
);

test('the Luhn check accepts documented test numbers and rejects a changed digit', () => {
  for (const n of ['4111111111111111', '378282246310005', '6011111111111117', '79927398713'])
    assert.equal(luhnValid(n), true, n);
  for (const n of ['4111111111111112', '79927398710', '', '4111-1111']) assert.equal(luhnValid(n), false, n);
});

test('issuer prefixes are checked together with the length', () => {
  assert.equal(knownCardPrefix('4111111111111111'), true);
  assert.equal(knownCardPrefix('411111111111111'), false); // Visa never has 15 digits
  assert.equal(knownCardPrefix('378282246310005'), true);
  assert.equal(knownCardPrefix('3782822463100050'), false); // Amex always has 15
  assert.equal(knownCardPrefix('9111111111111111'), false);
});
