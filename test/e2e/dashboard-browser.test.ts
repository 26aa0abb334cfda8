// The dashboard page in a real browser (Debian's Chromium driven by playwright-core), one scenario at a time, on
// the stack `inferwatch up` runs: with load from the openai SDK every panel draws within a few refreshes, the KV
// panel draws its two threshold lines, the "stall" button makes the largest-silence panel rise, and the page
// raises no console error and no failed request; with no traffic yet and with the replica down, every empty panel
// says why. The recorder runs every second and the stall is 4 s instead of 40 (options, not logic). A screenshot is
// written to $TMPDIR/inferwatch-artifacts/dashboard.png; INFERWATCH_UPDATE_SCREENSHOT=1 also writes the README's
// docs/images/dashboard.png, after longer load so the charts are full.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser, type WatchedPage } from '../support/browser.js';
import { startDashboardStack } from '../support/dashboard-stack.js';
import { runLoad } from '../support/openai-load.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const UPDATE = process.env.INFERWATCH_UPDATE_SCREENSHOT === '1';
const ARTIFACTS = join(tmpdir(), 'inferwatch-artifacts');
const README_IMAGE = new URL('../../docs/images/dashboard.png', import.meta.url);

/** The little of the page's DOM these tests read (this file is compiled without the DOM's types). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  readonly hidden: boolean;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}
interface PageWindow {
  readonly document: {
    readonly body: PageElement;
    readonly cookie: string;
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): Iterable<PageElement> & { length: number };
  };
}

/**
 * How long to wait for the page. Conditions are functions, not strings: a string would be evaluated with
 * `new Function`, which the page's Content-Security-Policy forbids.
 */
const WAIT = { timeout: 60_000, polling: 250 };

const refreshes = (n: number) =>
  Number((globalThis as unknown as PageWindow).document.body.dataset.refreshes ?? 0) >= n;
const panelNumber = ([id, attr, min]: (string | number)[]) =>
  Number(
    (globalThis as unknown as PageWindow).document.querySelector(`figure[data-panel="${id}"]`)?.dataset[
      attr as string
    ] ?? Number.NaN,
  ) >= (min as number);
const present = (selector: string) => (globalThis as unknown as PageWindow).document.querySelector(selector) !== null;

const panelAttr = (page: Page, id: string, attr: string): Promise<string | null> =>
  page.getAttribute(`figure[data-panel="${id}"]`, attr);

function clean(w: WatchedPage): void {
  assert.deepEqual(w.errors, [], 'no console errors');
  assert.deepEqual(w.failed, [], 'no failed requests');
}

describe('the dashboard page in a real browser', { concurrency: 1 }, () => {
  let browser: TestBrowser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(() => browser?.close());

  test('under load every panel draws, the KV panel draws its thresholds, and the stall button raises the largest-silence panel', async (t) => {
    const stack = await startDashboardStack(t, {
      flags: { stallThreshold: 1 },
      faultOverrides: { stall: { seconds: 4 } },
    });
    const w = await browser.open();
    const { page } = w;
    const started = performance.now();
    await page.goto(`${stack.url}/dashboard`);
    await page.waitForFunction(refreshes, 1, WAIT);
    const firstDraw = performance.now() - started;
    t.diagnostic(
      `page load to the first full refresh (${await page.locator('figure.panel').count()} panels): ${Math.round(firstDraw)} ms`,
    );

    const ac = new AbortController();
    const load = runLoad({
      baseURL: `${stack.url}/v1`,
      model: MODEL,
      requests: 1_000_000,
      concurrency: 4,
      maxTokens: 64,
      streamShare: 0.9,
      signal: ac.signal,
    });
    try {
      // Failed requests need failures: the errors button makes a quarter of them fail.
      await page.click('button[data-fault="errors"]');
      await page.waitForFunction(
        (text) =>
          (globalThis as unknown as PageWindow).document.querySelector('.fault-message')?.textContent?.includes(text),
        'injected on sim',
        WAIT,
      );
      await page.waitForFunction(present, '.active-faults li', WAIT);

      await page
        .waitForFunction(
          (state) =>
            [...(globalThis as unknown as PageWindow).document.querySelectorAll('figure.panel')].every(
              (f) => f.dataset.state === state,
            ),
          'data',
          { ...WAIT, timeout: 90_000 },
        )
        .catch(async (err: unknown) => {
          const states = await page.$$eval('figure.panel', (fs) =>
            fs.map(
              (f) => `${f.getAttribute('data-panel')}: ${f.getAttribute('data-state')} ${f.textContent?.slice(0, 200)}`,
            ),
          );
          throw new Error(`not every panel drew:\n${states.join('\n')}`, { cause: err });
        });
      for (const id of await page.$$eval('figure.panel', (fs) => fs.map((f) => f.getAttribute('data-panel')))) {
        assert.ok(Number(await panelAttr(page, id as string, 'data-series')) >= 1, `${id} draws a series`);
        assert.ok(Number(await panelAttr(page, id as string, 'data-points')) >= 1, `${id} draws points`);
      }

      // The KV panel's lines at the two KV alerts' thresholds, in their colours, across the plot.
      const lines = JSON.parse((await panelAttr(page, 'kv-cache-usage', 'data-threshold-lines')) ?? '[]') as {
        value: number;
        color: string;
        y: number;
        left: number;
        width: number;
      }[];
      assert.deepEqual(
        lines.map((l) => [l.value, l.color]),
        [
          [0.8, 'orange'],
          [0.9, 'red'],
        ],
      );
      const hits = await page.evaluate((ls) => {
        const canvas = (globalThis as unknown as PageWindow).document.querySelector(
          'figure[data-panel="kv-cache-usage"] canvas',
        ) as PageElement;
        const ctx = canvas.getContext('2d');
        const want: Record<string, number[]> = { orange: [245, 158, 11], red: [220, 38, 38] };
        return ls.map((l) => {
          let n = 0;
          const [wr, wg, wb] = want[l.color] as [number, number, number];
          for (let x = l.left + 1; x < l.left + l.width - 1; x += 2) {
            const d = ctx.getImageData(x, l.y, 1, 1).data;
            if (
              Math.abs((d[0] as number) - wr) + Math.abs((d[1] as number) - wg) + Math.abs((d[2] as number) - wb) <
              60
            )
              n++;
          }
          return n;
        });
      }, lines);
      for (const [i, n] of hits.entries())
        assert.ok(n > 50, `threshold line ${lines[i]?.value}: ${n} pixels in its colour`);

      // The 3 AM incident: a stall mid-stream shows as a rise of the streams' largest silence.
      const before = Number(await panelAttr(page, 'gateway-max-gap', 'data-max'));
      assert.ok(before < 1, `largest silence before the stall: ${before} s`);
      const stall = page.locator('button[data-fault="stall"]');
      assert.equal(await stall.textContent(), 'stall 4 s');
      await stall.click();
      await page.waitForFunction(panelNumber, ['gateway-max-gap', 'max', 2], WAIT);
      const risen = Number(await panelAttr(page, 'gateway-max-gap', 'data-max'));
      t.diagnostic(`largest silence per stream: ${before.toFixed(3)} s before the stall, ${risen.toFixed(2)} s after`);
      await page.waitForFunction(panelNumber, ['quality', 'max', Number.MIN_VALUE], WAIT);

      if (UPDATE) {
        // A fuller picture for the README: the incidents ended, then a few minutes of load on the 5-minute range.
        const cancel = page.locator('.active-faults li button');
        for (let i = 0; i < 10 && (await cancel.count()) > 0; i++) {
          await cancel.first().click();
          await page.waitForTimeout(500);
        }
        await page.click('button[data-range="5m"]');
        await new Promise((r) => setTimeout(r, 150_000));
      }
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${shot}`);
      // The README shows the top of the page: traffic, latency and the engine row with the KV thresholds.
      if (UPDATE)
        await page.screenshot({
          path: fileURLToPath(README_IMAGE),
          clip: { x: 0, y: 0, width: 1440, height: 1760 },
          fullPage: true,
        });
      clean(w);
    } finally {
      ac.abort();
      await load;
      await page.close();
    }
  });

  test('with no traffic yet, every empty panel names the metric it lacks and why; the GPU panels already draw', async (t) => {
    const stack = await startDashboardStack(t);
    const w = await browser.open();
    const { page } = w;
    try {
      await page.goto(`${stack.url}/dashboard`);
      await page.waitForFunction(refreshes, 3, WAIT);
      assert.equal(await panelAttr(page, 'requests', 'data-state'), 'empty');
      const why = await page.textContent('figure[data-panel="requests"] .message');
      assert.match(why ?? '', /No data/);
      assert.match(
        why ?? '',
        /No series of `llm_requests_total` in this range: the gateway creates it with the first request/,
      );
      assert.match(why ?? '', /send traffic through its \/v1 API/);
      for (const id of ['gpu-power', 'gpu-memory', 'kv-cache-usage', 'running-waiting'])
        assert.equal(
          await panelAttr(page, id, 'data-state'),
          'data',
          `${id} draws without traffic: ${await page.textContent(`figure[data-panel="${id}"]`)}`,
        );
      const empty = await page.$$eval('figure.panel[data-state="empty"] .message', (ms) =>
        ms.map((m) => m.textContent ?? ''),
      );
      assert.ok(empty.length > 5);
      for (const m of empty) assert.ok(m.length > 40 && m.includes('No data'), m);
      clean(w);
    } finally {
      await page.close();
    }
  });

  test('with the replica down, the page says which target does not answer and its panels say why they are empty', async (t) => {
    const stack = await startDashboardStack(t, { upstreamDown: true });
    const w = await browser.open();
    const { page } = w;
    try {
      await page.goto(`${stack.url}/dashboard`);
      await page.waitForFunction(refreshes, 2, WAIT);
      await page.waitForFunction(
        (n) => (globalThis as unknown as PageWindow).document.querySelectorAll('.notices .notice').length >= n,
        2,
        WAIT,
      );
      const notices = await page.$$eval('.notices .notice', (ns) => ns.map((n) => n.textContent ?? ''));
      assert.ok(
        notices.some((n) => /Cannot read the metrics of engine sim: .*ECONNREFUSED/.test(n)),
        notices.join('\n'),
      );
      assert.ok(
        notices.some((n) => /Cannot read the metrics of dcgm sim/.test(n)),
        notices.join('\n'),
      );
      const kv = await page.textContent('figure[data-panel="kv-cache-usage"] .message');
      assert.match(kv ?? '', /the replica's \/metrics of sim does not answer \(.*ECONNREFUSED/);
      const gpu = await page.textContent('figure[data-panel="gpu-power"] .message');
      assert.match(gpu ?? '', /the DCGM exporter of sim does not answer/);
      assert.equal(await page.locator('section.incidents').count(), 0, 'no buttons for a simulator that is not there');
      clean(w);
    } finally {
      await page.close();
    }
  });

  test('behind gateway API keys the page asks for a key once, keeps a session cookie the page script cannot read, and draws', async (t) => {
    const key = 'sk-browser-test-0123456789';
    const stack = await startDashboardStack(t, { flags: { apiKeys: { [key]: 'pro' } } });
    // The 401s of signing in are the point of this test.
    const w = await browser.open(
      (url, status) => status === 401 && /\/dashboard(\/session)?$/.test(new URL(url).pathname),
    );
    const { page } = w;
    try {
      await page.goto(`${stack.url}/dashboard`);
      await page.fill('input[name="key"]', 'sk-not-the-key-000000');
      await page.click('button[type="submit"]');
      await page.waitForFunction(
        (sel) => (globalThis as unknown as PageWindow).document.querySelector(sel)?.hidden === false,
        '#sign-in .error',
        WAIT,
      );
      assert.equal(await page.textContent('#sign-in .error'), 'Incorrect API key provided.');
      await page.fill('input[name="key"]', key);
      await Promise.all([page.waitForURL(`${stack.url}/dashboard`), page.click('button[type="submit"]')]);
      await page.waitForFunction(refreshes, 1, WAIT);
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as PageWindow).document.cookie),
        '',
        'the session cookie is HttpOnly',
      );
      await page.waitForFunction(present, 'figure[data-panel="gpu-power"][data-state="data"]', WAIT);
      assert.equal(await page.locator('button.sign-out').count(), 1);
      clean(w);
    } finally {
      await page.close();
    }
  });
});
