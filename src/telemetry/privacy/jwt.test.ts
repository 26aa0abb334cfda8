import { jwtDetector } from './jwt.js';
import { detectorTable } from './test-support/detector-table.js';

const HS256 =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUgRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.VHAfdYlxL5Sn-1tVzlQzN2LxMxR8tuG7IIRd4ISFVLI';
const UNSIGNED = 'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ0ZXN0IiwiYWRtaW4iOnRydWV9.';

detectorTable(
  jwtDetector,
  [
    [`id_token=${HS256}`, [HS256]],
    [`Cookie: session=${HS256}; Path=/`, [HS256]],
    [`"${HS256}"`, [HS256]],
    [`unsigned ${UNSIGNED} should be rejected`, [UNSIGNED]],
  ],
  [
    'The JWT header usually starts with eyJ because it is base64 of {".',
    'a base64 cursor eyJpZCI6MTIzfQ without dots',
    'two segments eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0',
    'glued to a word xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig',
  ],
);
