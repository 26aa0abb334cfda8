// Test support: Debian's Chromium (installed by scripts/setup-test-tools.sh; nothing is downloaded) driven by
// playwright-core, headless, with a fresh profile directory removed on close. Each page records what a user would
// never want to see: console errors, uncaught exceptions, failed requests and HTTP errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet, sandbox-less (root in a container) browser that talks to nothing but the pages it is sent to. */
export const CHROMIUM_ARGS = [
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
  /** Console errors and uncaught exceptions. */
  readonly errors: string[];
  /** Requests that failed, and answers with an HTTP error status not allowed by the caller. */
  readonly failed: string[];
}

/** A running browser. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new page watched for errors; `allow` lets expected HTTP errors through (a 401 before signing in). */
  open(allow?: (url: string, status: number) => boolean): Promise<WatchedPage>;
  close(): Promise<void>;
}

/** Launches Chromium headless with a fresh `--user-data-dir`. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'iw-chromium-'));
  let context: BrowserContext;
  try {
    // headless: true makes playwright pass --headless (Chromium's new headless mode) with the profile directory.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 1,
      timezoneId: 'UTC',
      locale: 'en-GB',
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
      const failed: string[] = [];
      page.on('console', (m) => {
        if (m.type() !== 'error') return;
        // Chromium reports every HTTP error status on the console too: an allowed one is not an error here.
        const status = /the server responded with a status of (\d+)/.exec(m.text())?.[1];
        if (status !== undefined && allow(m.location().url, Number(status))) return;
        errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`exception: ${e.message}`));
      page.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
      page.on('response', (r) => {
        if (r.status() >= 400 && !allow(r.url(), r.status()))
          failed.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
      });
      return { page, errors, failed };
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
