import { bearerDetector } from './bearer.js';
import { detectorTable } from './test-support/detector-table.js';

detectorTable(
  bearerDetector,
  [
    ['Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543', ['Bearer 8f14e45fceea167a5a36dedd4bea2543']],
    ['"Authorization: Bearer mF_9.B5f-4.1JqM"', ['Bearer mF_9.B5f-4.1JqM']],
    ['authorization: bearer 0c7e1d2f3a4b5c6d7e8f.', ['bearer 0c7e1d2f3a4b5c6d7e8f']],
    ['Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l', ['Basic YWxhZGRpbjpvcGVuc2VzYW1l']],
    ['Proxy-Authorization: Basic cHJveHl1c2VyOnMzY3IzdA==', ['Basic cHJveHl1c2VyOnMzY3IzdA==']],
    ['"authorization": "Token 9944b09199c62bcf9418ad846dd0e4bb"', ['Token 9944b09199c62bcf9418ad846dd0e4bb']],
    ['Authorization: sk-abc123def456ghi789', ['sk-abc123def456ghi789']],
    ['use BEARER Zm9vYmFyYmF6cXV4MTIz== here', ['BEARER Zm9vYmFyYmF6cXV4MTIz==']],
  ],
  [
    'The bearer of this letter is authorized to collect the package.',
    'Bearer authentication (also called token authentication)',
    'The bearer token must be sent in the header',
    'Bearer abcdefghijklmnopqrstuvwxyz has no digit',
    'Bearer abc123 is too short',
    'Authorization: required for all endpoints except /health.',
    'Basic authentication is deprecated',
  ],
);
