// Conversation datasets for realistic prompts and answer lengths: ShareGPT-style JSONL (or a JSON array) as vLLM's
// `bench serve --dataset-name sharegpt` reads it, or OpenAI-style `messages`. Each conversation contributes its
// first user turn as the prompt and the token length of the first answer as the output length, and conversations
// with a prompt or answer under 4 tokens are skipped (vLLM's filter). A small dataset written for inferwatch ships
// with the package (`sharegpt-mini`), since no dataset can be downloaded where inferwatch usually runs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidOptionError } from '../errors/index.js';
import { countInWorker } from './token-count.js';

/** One usable conversation. */
export interface DatasetEntry {
  /** The first user turn. */
  readonly prompt: string;
  /** Its length in tokens (cl100k_base, before any chat template; see token-count.ts). */
  readonly promptTokens: number;
  /** Token length of the first answer: the output length the request asks for unless overridden. */
  readonly outputTokens: number;
}

/** A loaded dataset. */
export interface Dataset {
  /** What the user passed (a built-in name or a path). */
  readonly source: string;
  readonly entries: readonly DatasetEntry[];
  /** Conversations in the file that were not usable (too short, no user turn followed by an answer). */
  readonly skipped: number;
}

/** Datasets that ship with inferwatch, by name. Paths work from src/ and dist/ alike (both two levels deep). */
export const BUILTIN_DATASETS: Readonly<Record<string, string>> = {
  'sharegpt-mini': fileURLToPath(new URL('../../datasets/sharegpt-mini.jsonl', import.meta.url)),
};

const MIN_TOKENS = 4;
const OPTION = '--dataset';

interface Turn {
  readonly role: 'user' | 'assistant' | 'other';
  readonly text: string;
}

function turnsOf(record: unknown): Turn[] | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const r = record as Record<string, unknown>;
  const list = Array.isArray(r.conversations) ? r.conversations : Array.isArray(r.messages) ? r.messages : undefined;
  if (!list) return undefined;
  const turns: Turn[] = [];
  for (const t of list as unknown[]) {
    if (t === null || typeof t !== 'object') return undefined;
    const o = t as Record<string, unknown>;
    const who = typeof o.from === 'string' ? o.from : typeof o.role === 'string' ? o.role : '';
    const text = typeof o.value === 'string' ? o.value : typeof o.content === 'string' ? o.content : undefined;
    if (text === undefined) return undefined;
    const role =
      who === 'human' || who === 'user'
        ? 'user'
        : who === 'gpt' || who === 'assistant' || who === 'chatgpt' || who === 'bard'
          ? 'assistant'
          : 'other';
    turns.push({ role, text });
  }
  return turns;
}

function parseRecords(text: string, file: string): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown[];
    } catch (err) {
      throw new InvalidOptionError(
        OPTION,
        `${file} is not valid JSON (${(err as Error).message})`,
        'Use JSON Lines (one conversation per line) or one JSON array',
      );
    }
  }
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new InvalidOptionError(
        OPTION,
        `${file} line ${i + 1} is not valid JSON (${(err as Error).message})`,
        'Write one conversation object per line',
      );
    }
  }
  return out;
}

/**
 * Loads a dataset by built-in name or path.
 *
 * @example const d = await loadDataset('sharegpt-mini'); d.entries[0].prompt
 */
export async function loadDataset(source: string): Promise<Dataset> {
  const file = BUILTIN_DATASETS[source] ?? source;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidOptionError(
      OPTION,
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      `Give a JSONL file of conversations or a built-in dataset: ${Object.keys(BUILTIN_DATASETS).join(', ')}`,
    );
  }
  const records = parseRecords(text, file);
  const pairs: { prompt: string; answer: string }[] = [];
  let skipped = 0;
  for (const [i, record] of records.entries()) {
    const turns = turnsOf(record);
    if (!turns) {
      throw new InvalidOptionError(
        OPTION,
        `${file} conversation ${i + 1} has neither a "conversations" list of {from, value} nor a "messages" list of {role, content}`,
        'Use ShareGPT\'s {"conversations":[{"from":"human","value":...},{"from":"gpt","value":...}]} or OpenAI\'s messages',
      );
    }
    const u = turns.findIndex((t) => t.role === 'user');
    const a = u < 0 ? -1 : turns.findIndex((t, j) => j > u && t.role === 'assistant');
    if (a < 0) skipped++;
    else pairs.push({ prompt: (turns[u] as Turn).text, answer: (turns[a] as Turn).text });
  }
  const counts = await countInWorker(pairs.flatMap((p) => [p.prompt, p.answer]));
  const entries: DatasetEntry[] = [];
  pairs.forEach((p, i) => {
    const promptTokens = counts[2 * i] as number;
    const outputTokens = counts[2 * i + 1] as number;
    if (promptTokens < MIN_TOKENS || outputTokens < MIN_TOKENS) skipped++;
    else entries.push({ prompt: p.prompt, promptTokens, outputTokens });
  });
  if (entries.length === 0) {
    throw new InvalidOptionError(
      OPTION,
      `${file} has no usable conversation (a user turn of at least ${MIN_TOKENS} tokens followed by an answer of at least ${MIN_TOKENS})`,
      "Check the file's format",
    );
  }
  return { source, entries, skipped };
}
