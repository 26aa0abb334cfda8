// `inferwatch review`: the review queue over a review store — serve the review page (`--listen`), export an
// evaluation dataset (`review export`), erase one user's samples (`review delete --user`). Thin: resolve the
// store and the keys (flags, environment, --config), call the capability, print.
import { createWriteStream } from 'node:fs';
import { Command, Option } from 'commander';
import { InferwatchError, InvalidOptionError } from '../errors/index.js';
import { CONFIG_KEYS, parseText, readConfigFile, readEnv, resolveGatewayConfig } from '../gateway/index.js';
import { exportLine } from '../quality/review/export-format.js';
import { startReviewServer } from '../quality/review/review-server.js';
import { openReviewStore } from '../quality/store/open-store.js';
import { REVIEW_LABELS, type ReviewStore } from '../quality/store/review-store.js';
import { defaultIo, type CommandIo } from './io.js';
import { parseListen } from './sim.js';

/** Flags every review subcommand takes. */
interface StoreFlags {
  store?: string;
  config?: string;
}

/** Flags of `inferwatch review` (serving the page). */
export interface ReviewFlags extends StoreFlags {
  listen?: { host: string; port: number };
  reviewer?: string;
  apiKey?: string[];
  traceUrl?: string;
}

/** The store and the gateway keys from flags, environment and --config, validated as the gateway validates them. */
function resolveStoreAndKeys(flags: StoreFlags & { apiKey?: string[] }, env: NodeJS.ProcessEnv) {
  const key = (k: string) => CONFIG_KEYS.find((c) => c.key === k)!;
  const file = flags.config !== undefined ? readConfigFile(flags.config) : undefined;
  const fromFlags: Record<string, unknown> = {};
  if (flags.store !== undefined) fromFlags.reviewStore = parseText(key('reviewStore'), flags.store, 'flag');
  if (flags.apiKey !== undefined) fromFlags.apiKeys = parseText(key('apiKeys'), flags.apiKey, 'flag');
  const c = resolveGatewayConfig({ file, env: readEnv(env), flags: fromFlags }, false);
  const fromSomewhere =
    flags.store !== undefined || env.INFERWATCH_REVIEW_STORE !== undefined || file?.reviewStore !== undefined;
  return { store: c.reviewStore, apiKeys: c.apiKeys, defaulted: !fromSomewhere };
}

async function withStore<T>(flags: StoreFlags, io: CommandIo, fn: (store: ReviewStore) => Promise<T>): Promise<T> {
  const { store: spec } = resolveStoreAndKeys(flags, io.env ?? {});
  const store = await openReviewStore(spec);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function report(err: unknown, io: CommandIo): number {
  if (err instanceof InferwatchError) {
    io.err(`error: ${err.message}`);
    return 2;
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') {
    io.err(`error: ${(err as Error).message}`);
    return 2;
  }
  throw err;
}

/** Runs `inferwatch review --listen`; serves until the stop signal; returns the exit status. */
export async function runReviewServer(flags: ReviewFlags, io: CommandIo = defaultIo): Promise<number> {
  let close: (() => Promise<void>) | undefined;
  try {
    const { store: spec, apiKeys, defaulted } = resolveStoreAndKeys(flags, io.env ?? {});
    const listen = flags.listen ?? { host: '127.0.0.1', port: 4100 };
    const store = await openReviewStore(spec);
    try {
      const srv = await startReviewServer({
        store,
        host: listen.host,
        port: listen.port,
        apiKeys,
        reviewer: flags.reviewer,
        traceUrl: flags.traceUrl,
      });
      close = async () => {
        await srv.close();
        await store.close();
      };
      const n = await store.count();
      io.err(
        `inferwatch review: ${srv.url} (${n} samples in ${store.description}${defaulted ? ', the default store' : ''}; ` +
          `${Object.keys(apiKeys).length > 0 ? 'labels recorded under the API key used' : `labels recorded as "${flags.reviewer}"`})`,
      );
    } catch (err) {
      await store.close();
      throw err;
    }
  } catch (err) {
    return report(err, io);
  }
  const signal = await io.stopSignal();
  io.err(`inferwatch review: ${signal}, stopping`);
  await close?.();
  return 0;
}

/** Flags of `review export`. */
export interface ExportFlags extends StoreFlags {
  format?: string;
  label?: string;
  out?: string;
}

/** Runs `inferwatch review export`: JSON Lines to --out or stdout; the count goes to stderr. */
export async function runReviewExport(flags: ExportFlags, io: CommandIo = defaultIo): Promise<number> {
  try {
    if ((flags.format ?? 'jsonl') !== 'jsonl') {
      throw new InvalidOptionError(
        '--format',
        `"${flags.format}" is not supported`,
        'Use --format jsonl (JSON Lines, one sample per line).',
      );
    }
    const label = flags.label ?? 'any';
    if (label !== 'any' && label !== 'labeled' && !(REVIEW_LABELS as readonly string[]).includes(label)) {
      throw new InvalidOptionError(
        '--label',
        `"${label}" is not a label`,
        `Use one of ${REVIEW_LABELS.join(', ')}, labeled (any label) or any.`,
      );
    }
    const n = await withStore(flags, io, async (store) => {
      if (flags.out === undefined) return store.exportSamples({ label: label as 'any' }, (s) => io.out(exportLine(s)));
      const file = createWriteStream(flags.out, { mode: 0o600 });
      const opened = new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject));
      await opened;
      const count = await store.exportSamples({ label: label as 'any' }, async (s) => {
        if (!file.write(`${exportLine(s)}\n`)) await new Promise<void>((r) => file.once('drain', () => r()));
      });
      await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
      return count;
    });
    io.err(`inferwatch review export: ${n} samples${flags.out !== undefined ? ` written to ${flags.out}` : ''}`);
    return 0;
  } catch (err) {
    return report(err, io);
  }
}

/** Runs `inferwatch review delete --user ID`. */
export async function runReviewDelete(
  flags: StoreFlags & { user?: string },
  io: CommandIo = defaultIo,
): Promise<number> {
  try {
    const user = flags.user;
    if (user === undefined || user === '') {
      throw new InvalidOptionError(
        '--user',
        'is required',
        'Give the user id as the gateway recorded it (the OpenAI user field or the user header).',
      );
    }
    const n = await withStore(flags, io, (store) => store.deleteUser(user));
    io.out(`deleted ${n} samples of user ${JSON.stringify(user)} (with their judgments and labels)`);
    return 0;
  } catch (err) {
    return report(err, io);
  }
}

const STORE_HELP =
  'sqlite:PATH or postgres://user:password@host:5432/db [env INFERWATCH_REVIEW_STORE; default sqlite:inferwatch-review.db]';

/** Adds `inferwatch review` (serve, `export`, `delete`) to the program. */
export function register(program: Command): void {
  const review = new Command('review')
    .description(
      'The review queue: serve the review page (samples worst first, with the judge scores, and labels good / bad / ' +
        "needs fix with a note), export an evaluation dataset, or erase one user's samples.",
    )
    .option('--store <spec>', STORE_HELP)
    .option('--config <file>', 'inferwatch.yaml: reviewStore and apiKeys from it')
    .option('--listen <host:port>', 'address of the review page (default 127.0.0.1:4100)', (v) => parseListen(v))
    .option('--reviewer <name>', 'who labels, when no API keys are configured')
    .addOption(
      new Option(
        '--api-key <key:tier>',
        'a gateway API key the page accepts (repeat); labels are recorded under its tier and fingerprint',
      ).argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]),
    )
    .option(
      '--trace-url <template>',
      'link from a sample to its trace, {trace_id} replaced (e.g. http://jaeger:16686/trace/{trace_id})',
    )
    .addHelpText(
      'after',
      '\nWithout API keys the page listens on loopback only and records --reviewer; with them, every API call needs a key.\n' +
        'Examples:\n' +
        '  inferwatch review --store sqlite:inferwatch-review.db --listen 127.0.0.1:4100 --reviewer ada\n' +
        '  inferwatch review export --store sqlite:inferwatch-review.db --format jsonl --label bad > bad.jsonl\n' +
        '  inferwatch review delete --store sqlite:inferwatch-review.db --user user-1234\n',
    )
    .action(async (flags: ReviewFlags) => {
      process.exitCode = await runReviewServer(flags);
    });
  review
    .command('export')
    .description(
      'Write samples as JSON Lines (an evaluation dataset): scrubbed prompt and response, scores, label; no user ids.',
    )
    .option('--store <spec>', STORE_HELP)
    .option('--config <file>', 'inferwatch.yaml: reviewStore from it')
    .option('--format <format>', 'jsonl', 'jsonl')
    .option('--label <label>', `only samples labelled ${REVIEW_LABELS.join(', ')}, or labeled (any label); default all`)
    .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
    // optsWithGlobals: `--store` and `--config` also count when given before the subcommand (`review --store X export`).
    .action(async (_flags: ExportFlags, cmd: Command) => {
      process.exitCode = await runReviewExport(cmd.optsWithGlobals<ExportFlags>());
    });
  review
    .command('delete')
    .description("Erase every sample of one user, with the judgments and labels on them (a user's right to erasure).")
    .option('--store <spec>', STORE_HELP)
    .option('--config <file>', 'inferwatch.yaml: reviewStore from it')
    .option('--user <id>', 'the user id as stored (the OpenAI user field or the user header)')
    .action(async (_flags: StoreFlags & { user?: string }, cmd: Command) => {
      process.exitCode = await runReviewDelete(cmd.optsWithGlobals<StoreFlags & { user?: string }>());
    });
  program.addCommand(review);
}
