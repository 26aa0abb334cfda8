// Test support: a real Alertmanager (Debian's `/usr/bin/prometheus-alertmanager`) on a free loopback port, its
// cluster listener disabled, with its own temp directory; the v2 API wrapped to post alerts and read them back
// (with inhibition state) and the groups each receiver got. `close()` stops it and removes the directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './child-process.js';
import { freePort } from './free-port.js';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** An alert as /api/v2/alerts returns it. */
export interface AmAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
  readonly receivers: Array<{ name: string }>;
}

/** An alert group as /api/v2/alerts/groups returns it. */
export interface AmGroup {
  readonly labels: Record<string, string>;
  readonly receiver: { name: string };
  readonly alerts: AmAlert[];
}

/** A running Alertmanager. */
export interface AlertmanagerServer {
  readonly url: string;
  /** `host:port`, for a Prometheus config's alerting section. */
  readonly address: string;
  readonly dir: string;
  /** Posts alerts as Prometheus would (startsAt now, no endsAt). */
  post(alerts: ReadonlyArray<{ labels: Record<string, string>; annotations?: Record<string, string> }>): Promise<void>;
  alerts(): Promise<AmAlert[]>;
  groups(): Promise<AmGroup[]>;
  close(): Promise<void>;
}

/** Starts Alertmanager with `config` (YAML text); `files` are written next to it (credential files). */
export async function startAlertmanager(
  config: string,
  files: Readonly<Record<string, string>> = {},
): Promise<AlertmanagerServer> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  for (const [rel, text] of Object.entries(files)) writeFileSync(join(dir, rel), text);
  let lastErr = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      ALERTMANAGER_BIN,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    const deadline = Date.now() + 30_000;
    let ready = false;
    while (!ready && !gone && Date.now() < deadline) {
      try {
        ready = (await fetch(`${url}/-/ready`)).ok;
      } catch {
        // not yet
      }
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    if (!ready) {
      child.kill('SIGKILL');
      await exited;
      lastErr = stderr;
      continue;
    }
    const v2 = `${url}/api/v2`;
    return {
      url,
      address: `127.0.0.1:${port}`,
      dir,
      post: async (alerts) => {
        const res = await fetch(`${v2}/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(
            alerts.map((a) => ({
              labels: a.labels,
              annotations: a.annotations ?? {},
              startsAt: new Date().toISOString(),
            })),
          ),
        });
        if (!res.ok) throw new Error(`POST alerts: ${res.status} ${await res.text()}`);
      },
      alerts: async () => (await (await fetch(`${v2}/alerts`)).json()) as AmAlert[],
      groups: async () => (await (await fetch(`${v2}/alerts/groups`)).json()) as AmGroup[],
      close: async () => {
        await stopChild(child, exited);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`Alertmanager did not start: ${lastErr}`);
}
