// Test support: Debian's Chromium (installed by scripts/setup-test-tools.sh; nothing is downloaded) driven by
// playwright-core, headless, with a fresh profile directory removed on close, and every console error, uncaught
// exception and failed request of its pages recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Flags for a quiet, sandbox-less (root in a container) browser that talks to nothing but the pages it is sent to. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A page and what went wrong on it. */
export interface WatchedPage {
  readonly page: Page;
  readonly errors: string[];
}

/** A running browser. */
export interface ReviewBrowser {
  readonly context: BrowserContext;
  /** A new page; `allow` lets expected HTTP errors through (the 401 before the key is given). */
  open(allow?: (url: string, status: number) => boolean): Promise<WatchedPage>;
  close(): Promise<void>;
}

/** Launches /usr/bin/chromium headless with a fresh `--user-data-dir`. */
export async function launchReviewBrowser(): Promise<ReviewBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'iw-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ARGS,
      acceptDownloads: true,
      timezoneId: 'UTC',
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    open: async (allow = () => false) => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`exception: ${e.message}`));
      page.on('requestfailed', (r) => errors.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
      page.on('response', (r) => {
        if (r.status() >= 400 && !allow(r.url(), r.status()))
          errors.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
      });
      return { page, errors };
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
