// The page itself: an HTML shell carrying the catalog's rows and panels as JSON, and the files it loads. The
// scripts are plain ES modules committed under assets/dashboard/ and uPlot's own build from node_modules, served by
// the gateway: no CDN, nothing for a user to build. A Content-Security-Policy lets the page load only its own files.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PanelDefinition } from '../catalog/index.js';
import { VERSION } from '../version.js';
import { RANGES } from './panel-data.js';

/** What the page script needs to lay the page out. */
export interface PageConfig {
  readonly title: string;
  /** Path prefix of the page and its API, e.g. `/dashboard`. */
  readonly base: string;
  readonly source: 'embedded' | 'prometheus';
  /** Seconds between refreshes. */
  readonly refreshSeconds: number;
  readonly ranges: readonly string[];
  readonly rows: readonly { readonly title: string; readonly panels: readonly PanelView[] }[];
  /** Present when the page may inject faults: the simulated replicas and one button per fault type. */
  readonly faults?: {
    readonly replicas: readonly string[];
    readonly buttons: readonly { id: string; label: string }[];
  };
  /** Sent back with every state-changing request. */
  readonly csrf: string;
  /** Whether the page was opened with a session (it then offers to sign out). */
  readonly signedIn: boolean;
}

/** One panel as the page draws it. */
export interface PanelView {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly description: string;
  readonly min?: number;
  readonly max?: number;
  readonly thresholds?: readonly { readonly value: number; readonly color: string }[];
}

/** The page's rows, in the catalog's order. */
export function pageRows(panels: readonly PanelDefinition[]): PageConfig['rows'] {
  const rows: { title: string; panels: PanelView[] }[] = [];
  for (const p of panels) {
    let row = rows.at(-1);
    if (row === undefined || row.title !== p.row) {
      row = { title: p.row, panels: [] };
      rows.push(row);
    }
    row.panels.push({
      id: p.id,
      title: p.title,
      unit: p.unit,
      description: p.description,
      ...(p.min !== undefined ? { min: p.min } : {}),
      ...(p.max !== undefined ? { max: p.max } : {}),
      ...(p.thresholds ? { thresholds: p.thresholds } : {}),
    });
  }
  return rows;
}

export const DEFAULT_RANGES = Object.keys(RANGES);

/** Only the page's own files, no inline script, no framing. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON safe inside a script element (no `</script>`, no HTML comment openers). */
const scriptJson = (x: unknown): string =>
  JSON.stringify(x).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

function shell(base: string, title: string, head: string, body: string): string {
  const a = (name: string) => `${base}/assets/${name}?v=${encodeURIComponent(VERSION)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${a('uPlot.min.css')}">
<link rel="stylesheet" href="${a('dashboard.css')}">
${head.replaceAll('ASSET:', `${base}/assets/`).replaceAll('?VERSION', `?v=${encodeURIComponent(VERSION)}`)}
</head>
<body>
${body}
</body>
</html>
`;
}

/** The dashboard page. */
export function pageHtml(config: PageConfig): string {
  return shell(
    config.base,
    config.title,
    `<script type="application/json" id="inferwatch-config">${scriptJson(config)}</script>
<script type="module" src="ASSET:dashboard.js?VERSION"></script>`,
    `<noscript>This page draws its charts with JavaScript.</noscript>`,
  );
}

/** The sign-in page shown instead of the dashboard when a key is needed and none came with the request. */
export function signInHtml(base: string, title: string): string {
  return shell(
    base,
    title,
    `<script type="module" src="ASSET:sign-in.js?VERSION"></script>`,
    `<main class="sign-in">
<h1>${escapeHtml(title)}</h1>
<p>This gateway has API keys: give one of them to see its dashboard. It is checked by the gateway and kept only as a
session cookie of this page (HttpOnly, this site only), never in the page.</p>
<form id="sign-in" data-base="${escapeHtml(base)}">
<label>Gateway API key <input type="password" name="key" autocomplete="current-password" required></label>
<button type="submit">Open the dashboard</button>
<p class="error" role="alert" hidden></p>
</form>
</main>`,
  );
}

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const require = createRequire(import.meta.url);
const own = (name: string): URL => new URL(`../../assets/dashboard/${name}`, import.meta.url);

/** The files the page loads, by the name it asks for. */
const ASSET_FILES: Readonly<Record<string, () => string | URL>> = {
  'dashboard.js': () => own('dashboard.js'),
  'sign-in.js': () => own('sign-in.js'),
  'format.js': () => own('format.js'),
  'dashboard.css': () => own('dashboard.css'),
  'uPlot.esm.js': () => require.resolve('uplot/dist/uPlot.esm.js'),
  'uPlot.min.css': () => require.resolve('uplot/dist/uPlot.min.css'),
};

const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

const cache = new Map<string, Asset>();

/** One of the page's files (read once, then served from memory), or undefined for any other name. */
export function asset(name: string): Asset | undefined {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const where = Object.hasOwn(ASSET_FILES, name) ? ASSET_FILES[name] : undefined;
  if (where === undefined) return undefined;
  const body = readFileSync(where());
  const a: Asset = {
    body,
    type: TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
  cache.set(name, a);
  return a;
}
