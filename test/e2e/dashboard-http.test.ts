// The dashboard's HTTP face on a real gateway in front of a real simulator, composed as `inferwatch up` composes
// it: the page and its files, the data API's refusals (OpenAI-shaped), the incident buttons reaching only the
// simulator's fault API behind a CSRF token and a same-origin check, and gateway API keys guarding everything
// (header or session cookie). Each test starts its own stack on 127.0.0.1:0 and closes it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MONITORING, overviewDashboard } from '../../src/catalog/index.js';
import { gatewayDashboard, type SimulatedReplica } from '../../src/cli/dashboard-composition.js';
import { resolveGatewayConfig } from '../../src/gateway/config.js';
import { startGateway } from '../../src/gateway/index.js';
import { FAULT_TYPES, startSimServer, type SimServer } from '../../src/sim/index.js';

const KEY = 'sk-dashboard-test-0123456789';

interface Stack {
  readonly url: string;
  readonly sim: SimServer;
}

async function stack(
  t: TestContext,
  flags: Record<string, unknown> = {},
  simulators: readonly SimulatedReplica[] = [{ replica: 'sim', dcgmPath: '/dcgm/metrics', faults: true }],
): Promise<Stack> {
  const sim = await startSimServer({ seed: 4, admin: true });
  t.after(() => sim.close());
  const config = resolveGatewayConfig({
    flags: {
      listen: '127.0.0.1:0',
      upstreams: [`sim=${sim.url}`],
      healthInterval: 0,
      logLevel: 'silent',
      dashboardInterval: 1,
      ...flags,
    },
  });
  const dashboard = gatewayDashboard(config, { settings: DEFAULT_MONITORING, simulators });
  const gw = await startGateway(config, { extensions: dashboard ? [dashboard] : [] });
  t.after(() => gw.close(0));
  return { url: gw.url, sim };
}

interface PageConfig {
  rows: { title: string; panels: { id: string }[] }[];
  faults?: { replicas: string[]; buttons: { id: string; label: string }[] };
  csrf: string;
  signedIn: boolean;
}

function pageConfig(html: string): PageConfig {
  const m = /<script type="application\/json" id="inferwatch-config">(.*?)<\/script>/s.exec(html);
  assert.ok(m, 'the page carries its config');
  return JSON.parse(m[1] as string) as PageConfig;
}

async function errorOf(res: Response): Promise<{ type: string; code: string; message: string; param: null }> {
  assert.equal(res.headers.get('content-type'), 'application/json');
  return ((await res.json()) as { error: { type: string; code: string; message: string; param: null } }).error;
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('the page lays out the catalog overview in order, with a CSP, its files served from the package, and one button per fault type', async (t) => {
  const s = await stack(t);
  const res = await fetch(`${s.url}/dashboard`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
  const config = pageConfig(await res.text());
  const embedded = overviewDashboard(DEFAULT_MONITORING);
  assert.deepEqual(
    config.rows.flatMap((r) => r.panels.map((p) => p.id)),
    embedded.panels.map((p) => p.id),
  );
  assert.deepEqual(config.faults?.replicas, ['sim']);
  assert.ok(config.faults?.buttons.some((b) => b.id === 'stall' && b.label === 'stall 40 s'));
  assert.equal(config.faults?.buttons.length, FAULT_TYPES.length, 'one button per fault type');

  for (const name of ['dashboard.js', 'format.js', 'dashboard.css', 'uPlot.esm.js', 'uPlot.min.css']) {
    const a = await fetch(`${s.url}/dashboard/assets/${name}`);
    assert.equal(a.status, 200, name);
    const etag = a.headers.get('etag') as string;
    assert.ok((await a.arrayBuffer()).byteLength > 100);
    assert.equal(
      (await fetch(`${s.url}/dashboard/assets/${name}`, { headers: { 'if-none-match': etag } })).status,
      304,
    );
  }
  assert.match(
    (await fetch(`${s.url}/dashboard/assets/uPlot.esm.js`)).headers.get('content-type') ?? '',
    /^text\/javascript/,
  );
  for (const path of [
    '/dashboard/assets/..%2F..%2Fpackage.json',
    '/dashboard/assets/index.ts',
    '/dashboardx',
    '/dashboard/nothing',
  ])
    assert.equal((await fetch(`${s.url}${path}`)).status, 404, path);
});

test('the data API takes catalog panel ids, a range and a model, and refuses anything else in OpenAI shape', async (t) => {
  const s = await stack(t);
  const api = `${s.url}/dashboard/api`;
  const ok = await fetch(`${api}/panels/gpu-power?range=5m`);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('cache-control'), 'no-store');
  const cases: [string, RequestInit | undefined, number, string][] = [
    [`${api}/panels/requests?range=5m&query=up`, undefined, 400, 'unknown_parameter'],
    [`${api}/panels/requests?range=2h`, undefined, 400, 'invalid_range'],
    [`${api}/panels/requests?model=`, undefined, 400, 'invalid_model'],
    [`${api}/panels/no-such-panel`, undefined, 404, 'unknown_panel'],
    [`${api}/panels/requests`, { method: 'POST' }, 405, 'method_not_allowed'],
    [`${api}/elsewhere`, undefined, 404, 'not_found'],
  ];
  for (const [url, init, status, code] of cases) {
    const res = await fetch(url, init);
    assert.equal(res.status, status, url);
    const e = await errorOf(res);
    assert.equal(e.code, code, url);
    assert.equal(e.param, null);
    assert.ok(e.message.length > 10);
  }
  assert.equal((await fetch(`${api}/panels/requests`, { method: 'POST' })).headers.get('allow'), 'GET');
  // The recorder has scraped the gateway, the replica and its GPUs.
  let targets: { job: string; replica?: string; up?: boolean }[] = [];
  const allUp = () => targets.length > 0 && targets.every((x) => x.up);
  for (let i = 0; i < 100 && !allUp(); i++) {
    targets = ((await (await fetch(`${api}/status?range=5m`)).json()) as { status: { targets: typeof targets } }).status
      .targets;
    if (!allUp()) await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(
    targets.map((x) => [x.job, x.replica, x.up]),
    [
      ['inferwatch-gateway', undefined, true],
      ['inferwatch-engine', 'sim', true],
      ['inferwatch-dcgm', 'sim', true],
    ],
  );
});

test("a fault button injects its preset into the simulator's fault API, behind the page's CSRF token and origin, and can be cancelled", async (t) => {
  const s = await stack(t);
  const { csrf } = pageConfig(await (await fetch(`${s.url}/dashboard`)).text());
  const faults = `${s.url}/dashboard/api/faults`;
  const simFaults = async () =>
    ((await (await fetch(`${s.sim.url}/admin/faults`)).json()) as { faults: { id: string; spec: { type: string } }[] })
      .faults;
  const h = { 'x-inferwatch-csrf': csrf };
  const refused: [unknown, Record<string, string>, number, string][] = [
    [{ replica: 'sim', fault: 'stall' }, {}, 403, 'csrf_check_failed'],
    [{ replica: 'sim', fault: 'stall' }, { 'x-inferwatch-csrf': 'forged' }, 403, 'csrf_check_failed'],
    [{ replica: 'sim', fault: 'stall' }, { ...h, origin: 'http://evil.example' }, 403, 'csrf_check_failed'],
    [{ replica: 'sim', fault: 'stall' }, { ...h, 'sec-fetch-site': 'cross-site' }, 403, 'csrf_check_failed'],
    [{ replica: 'other', fault: 'stall' }, h, 400, 'invalid_replica'],
    [{ replica: 'sim', fault: 'format_disk' }, h, 400, 'invalid_fault'],
    [{ replica: 'sim', fault: { type: 'crash', seconds: 9999 } }, h, 400, 'invalid_fault'],
    ['{"replica":', h, 400, 'invalid_json'],
    [`{"pad":"${'x'.repeat(5000)}"}`, h, 413, 'body_too_large'],
  ];
  for (const [body, headers, status, code] of refused) {
    const res = await post(faults, body, headers);
    assert.equal(res.status, status, JSON.stringify(body).slice(0, 60));
    assert.equal((await errorOf(res)).code, code);
  }
  const plain = await fetch(faults, { method: 'POST', headers: { ...h, 'content-type': 'text/plain' }, body: '{}' });
  assert.equal(plain.status, 415, 'a form post cannot pass for the page');
  assert.deepEqual(await simFaults(), [], 'nothing refused reached the simulator');

  const added = await post(faults, { replica: 'sim', fault: 'stall' }, { ...h, origin: s.url });
  assert.equal(added.status, 200);
  const [stall] = await simFaults();
  assert.ok(stall);
  assert.deepEqual(stall.spec, { type: 'stall', seconds: 40 });
  const listed = (await (await fetch(`${s.url}/dashboard/api/status?range=5m`)).json()) as {
    faults: { replica: string; faults: { id: string }[] }[];
  };
  assert.deepEqual(
    listed.faults[0]?.faults.map((f) => f.id),
    [stall.id],
  );

  for (const id of ['../state', 'f1/../../metrics', '']) {
    const res = await post(`${faults}/cancel`, { replica: 'sim', id }, h);
    assert.equal(res.status, 400, id);
    assert.equal((await errorOf(res)).code, 'invalid_fault_id');
  }
  assert.equal((await post(`${faults}/cancel`, { replica: 'sim', id: 'f999' }, h)).status, 404);
  assert.equal((await post(`${faults}/cancel`, { replica: 'sim', id: stall.id }, h)).status, 200);
  assert.deepEqual(await simFaults(), []);
});

test('with gateway API keys the page and its API need a key, in a header or a session cookie the page sets from it', async (t) => {
  const s = await stack(t, { apiKeys: { [KEY]: 'pro' } });
  const page = await fetch(`${s.url}/dashboard`);
  assert.equal(page.status, 401);
  const signIn = await page.text();
  assert.match(signIn, /<form id="sign-in"/);
  assert.doesNotMatch(signIn, /inferwatch-config/, 'nothing of the dashboard before a key');
  const api = `${s.url}/dashboard/api/panels/gpu-power?range=5m`;
  const denied = await fetch(api);
  assert.equal(denied.status, 401);
  assert.equal((await errorOf(denied)).code, 'invalid_api_key');
  assert.equal((await fetch(api, { headers: { authorization: `Bearer ${KEY}` } })).status, 200);
  assert.equal((await fetch(api, { headers: { 'x-api-key': KEY } })).status, 200);
  assert.equal((await fetch(api, { headers: { authorization: 'Bearer sk-wrong-key-000000' } })).status, 401);

  assert.equal((await post(`${s.url}/dashboard/session`, { key: 'sk-wrong-key-000000' })).status, 401);
  assert.equal((await post(`${s.url}/dashboard/session`, { key: KEY }, { origin: 'http://evil.example' })).status, 403);
  const opened = await post(`${s.url}/dashboard/session`, { key: KEY });
  assert.equal(opened.status, 204);
  const setCookie = opened.headers.get('set-cookie') ?? '';
  assert.match(
    setCookie,
    /^inferwatch_dashboard=v1\.[^;]+; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=43200$/,
  );
  assert.ok(!setCookie.includes(KEY), 'the cookie does not hold the key');
  const cookie = setCookie.split(';')[0] as string;

  const withCookie = await fetch(`${s.url}/dashboard`, { headers: { cookie } });
  assert.equal(withCookie.status, 200);
  const config = pageConfig(await withCookie.text());
  assert.equal(config.signedIn, true);
  assert.equal((await fetch(api, { headers: { cookie } })).status, 200);
  const tampered = cookie.replace(/v1\.(\d+)/, (_, exp: string) => `v1.${Number(exp) + 1000}`);
  assert.equal((await fetch(api, { headers: { cookie: tampered } })).status, 401);

  const faults = `${s.url}/dashboard/api/faults`;
  // A cookie alone is what a cross-site request would ride on: the page's token is needed too, and it is bound to
  // the session (the open page's token is not this session's).
  assert.equal((await post(faults, { replica: 'sim', fault: 'errors' }, { cookie })).status, 403);
  assert.equal(
    (await post(faults, { replica: 'sim', fault: 'errors' }, { cookie, 'x-inferwatch-csrf': 'x' })).status,
    403,
  );
  assert.equal(
    (await post(faults, { replica: 'sim', fault: 'errors' }, { cookie, 'x-inferwatch-csrf': config.csrf })).status,
    200,
  );
  // A key in a header is not something a browser adds on its own: no token needed.
  assert.equal(
    (await post(faults, { replica: 'sim', fault: 'refusals' }, { authorization: `Bearer ${KEY}` })).status,
    200,
  );

  const ended = await post(`${s.url}/dashboard/session/end`, {}, { cookie });
  assert.equal(ended.status, 204);
  assert.match(
    ended.headers.get('set-cookie') ?? '',
    /^inferwatch_dashboard=; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=0$/,
  );
});

test('no incident buttons unless the upstream is a simulator with its fault API on; dashboard: off serves no page', async (t) => {
  const plain = await stack(t, {}, []);
  const config = pageConfig(await (await fetch(`${plain.url}/dashboard`)).text());
  assert.equal(config.faults, undefined);
  const res = await post(
    `${plain.url}/dashboard/api/faults`,
    { replica: 'sim', fault: 'stall' },
    { 'x-inferwatch-csrf': config.csrf },
  );
  assert.equal(res.status, 404);
  assert.deepEqual(
    ((await (await fetch(`${plain.sim.url}/admin/faults`)).json()) as { faults: unknown[] }).faults,
    [],
    'the admin API of a replica is not reachable through the page',
  );
  const off = await stack(t, { dashboard: 'off' });
  const gone = await fetch(`${off.url}/dashboard`);
  assert.equal(gone.status, 404);
  assert.equal((await errorOf(gone)).code, 'not_found');
});
