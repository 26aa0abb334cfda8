// Test support: a throwaway PostgreSQL cluster (Debian's `postgresql` package, installed by
// scripts/setup-test-tools.sh) in a temp directory, listening on a free loopback port only, trust
// authentication for loopback (nothing else can reach it), fsync off. PostgreSQL refuses to run as root, so
// under root the cluster is created and run as the `postgres` user. `close()` stops it and removes the directory.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

/** A running cluster. */
export interface PostgresCluster {
  readonly port: number;
  /** A URL of the `postgres` database, user `postgres`. */
  readonly adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  close(): Promise<void>;
}

/** The server binaries: the newest version under /usr/lib/postgresql. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql; run scripts/setup-test-tools.sh');
  }
  return join(root, versions[0] as string, 'bin');
}

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args as string[], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || stdout || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Runs a server binary as the `postgres` user when this process is root, else as itself. */
function asPostgres(bin: string, args: readonly string[]): Promise<string> {
  if (process.getuid?.() === 0) return run('runuser', ['-u', 'postgres', '--', bin, ...args]);
  return run(bin, args);
}

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', user])).trim());
  const gid = Number((await run('id', ['-g', user])).trim());
  return { uid, gid };
}

/** Creates and starts a cluster. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'iw-postgres-'));
  try {
    if (process.getuid?.() === 0) {
      const { uid, gid } = await uidOf('postgres');
      chownSync(dir, uid, gid);
    }
    const data = join(dir, 'data');
    await asPostgres(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      try {
        await asPostgres(join(bin, 'pg_ctl'), [
          '-D',
          data,
          '-o',
          options,
          '-l',
          join(dir, 'log'),
          '-w',
          '-t',
          '60',
          'start',
        ]);
      } catch (err) {
        lastErr = err;
        continue;
      }
      const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
      let closed = false;
      return {
        port,
        adminUrl,
        async createDatabase(name: string): Promise<string> {
          const c = new pg.Client({ connectionString: adminUrl });
          await c.connect();
          try {
            await c.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
          } finally {
            await c.end();
          }
          return `postgres://postgres@127.0.0.1:${port}/${name}`;
        },
        async close(): Promise<void> {
          if (closed) return;
          closed = true;
          await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    throw lastErr;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
