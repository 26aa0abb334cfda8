import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCountryCode, phoneDetector } from './phone.js';
import { detectorTable } from './test-support/detector-table.js';

detectorTable(
  phoneDetector,
  [
    ['Call me on +44 20 7946 0958 after 6pm.', ['+44 20 7946 0958']],
    ['US office: +1 (415) 555-0132', ['+1 (415) 555-0132']],
    ['front desk 415.555.0132.', ['415.555.0132']],
    ['Berlin +49 30 901820', ['+49 30 901820']],
    ['mobile +91 98765 43210', ['+91 98765 43210']],
    ['Paris +33 1 42 68 53 00', ['+33 1 42 68 53 00']],
    ['toll-free 1-800-555-0199 (24/7)', ['1-800-555-0199']],
    ['(415) 555-0174', ['(415) 555-0174']],
    ['tel:+14155550132', ['+14155550132']],
    ['Tokyo +81 3-1234-5678', ['+81 3-1234-5678']],
    ['Moscow +7 495 123-45-67', ['+7 495 123-45-67']],
    ['Dubai +971 4 123 4567', ['+971 4 123 4567']],
    ['trunk prefix +44 (0)20 7946 0123', ['+44 (0)20 7946 0123']],
    ['from abroad 0044 20 7946 0958', ['0044 20 7946 0958']],
    ['Ring me: (+44) 20 7946 0958', ['(+44) 20 7946 0958']],
    ['my number is 555-123-4567', ['555-123-4567']],
    ['Tel. 030 901820', ['030 901820']],
    ['Telefon: 089 1234 5678', ['089 1234 5678']],
    ['call me at 07700 900456 tomorrow', ['07700 900456']],
    ['Tél : 01 42 68 53 00', ['01 42 68 53 00']],
    ['two numbers 202-555-0161 or 202-555-0162', ['202-555-0161', '202-555-0162']],
    ['a card right after it +44 20 7946 0958 4111111111111111', ['+44 20 7946 0958']],
  ],
  [
    'The year 2024 and the price $1,234.56',
    'Unix time 1700000000 and epoch millis 1700000000123',
    'Event at 2024-01-15T10:30:00Z',
    'ISBN 978-3-16-148410-0',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
    'ZIP 94105-1234',
    '+12.5% over baseline and +5 points',
    'A list +1 2 3 4 5 6 7 8 9',
    '+3.14159 26535 is not a number anyone dials',
    'area code cannot start with 1: 123-456-7890',
    'order ORD-415-555-0132-99',
    'Call 3 of 5 failed after 30 s',
    'phone: 2024-01-15',
    'My phone has 128 GB of storage',
    'version 1.2.3.4 and 10.0.19045.3693',
    'SSN-shaped 123-45-6789 is not a phone',
  ],
);

test('country codes follow ITU-T E.164 zones', () => {
  for (const code of ['1', '7', '44', '49', '91', '353', '971', '234']) assert.equal(isCountryCode(code), true, code);
  for (const code of ['2', '3', '0', '42', '28', '80', '1234']) assert.equal(isCountryCode(code), false, code);
});
