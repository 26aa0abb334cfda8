import { ssnDetector } from './ssn.js';
import { detectorTable } from './test-support/detector-table.js';

detectorTable(
  ssnDetector,
  [
    ['My SSN is 123-45-6789.', ['123-45-6789']],
    ['SSN: 078-05-1120', ['078-05-1120']],
    ['SSN 536 22 8726 (spaces, after the keyword)', ['536 22 8726']],
    ['social security number 234567891', ['234567891']],
    ['Social Security No. 501-34-7788', ['501-34-7788']],
    ['{"ssn": "612-40-3301"}', ['612-40-3301']],
  ],
  [
    'never issued: 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567, 123-45-0000',
    'a date 2024-01-15 and a phone 415-555-0132',
    'spaces without the keyword 536 22 8726',
    'nine digits without the keyword 234567891',
    'part number ID-123-45-6789 and 123-45-6789-01',
    'ZIP+4 94105-1234',
  ],
);
