import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MONITORING, overviewDashboard } from '../catalog/index.js';
import { asset, pageHtml, pageRows, signInHtml, type PageConfig } from './page.js';

const config = (title: string): PageConfig => ({
  title,
  base: '/dashboard',
  source: 'embedded',
  refreshSeconds: 5,
  ranges: ['5m', '15m', '1h'],
  rows: pageRows(overviewDashboard(DEFAULT_MONITORING).panels),
  csrf: 'token',
  signedIn: false,
});

test("the page's rows are the catalog's, in order, each panel once, thresholds kept", () => {
  const panels = overviewDashboard(DEFAULT_MONITORING).panels;
  const rows = pageRows(panels);
  assert.deepEqual(
    rows.flatMap((r) => r.panels.map((p) => p.id)),
    panels.map((p) => p.id),
  );
  assert.deepEqual(
    rows.map((r) => r.title),
    ['Traffic and errors', 'Latency', 'Engine', 'Tokens', 'Quality', 'GPU', 'SLO'],
  );
  const kv = rows.flatMap((r) => r.panels).find((p) => p.id === 'kv-cache-usage');
  assert.deepEqual(kv?.thresholds, [
    { value: 0.8, color: 'orange' },
    { value: 0.9, color: 'red' },
  ]);
});

test('text from the configuration cannot end the config script or inject markup', () => {
  const html = pageHtml(config('</script><script>alert(1)</script>'));
  assert.equal(html.match(/<\/script>/g)?.length, 2, 'only the two script elements the page has');
  assert.match(html, /<title>&#60;\/script&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;<\/title>/);
  const signIn = signInHtml('/dashboard', '<b>x</b>');
  assert.ok(!signIn.includes('<b>x</b>'));
});

test('the page files are read from the package; any other name is not a file', () => {
  for (const name of ['dashboard.js', 'format.js', 'sign-in.js', 'dashboard.css', 'uPlot.esm.js', 'uPlot.min.css'])
    assert.ok((asset(name)?.body.length ?? 0) > 100, name);
  for (const name of ['../package.json', 'index.ts', 'dashboard.js/..', 'constructor', '__proto__'])
    assert.equal(asset(name), undefined, name);
});
