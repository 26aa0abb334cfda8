// Writes a request's output to its HTTP response the way vLLM's OpenAI server does: SSE chunks as tokens are
// produced (compact JSON, a role chunk first for chat, finish_reason on the last content chunk, an optional
// usage chunk with empty choices, then [DONE]) or one JSON body at the end. Chunk prefixes are built once per
// request; per token only the text is serialised.
import type { ServerResponse } from 'node:http';
import type { Sequence, SeqListener } from '../scheduler/sequence.js';
import { pieceAt, REFUSAL_PIECES } from '../text/text-generator.js';
import { writeBodyText } from '../../node-internals/index.js';
import { vllmErrorBody } from './vllm-errors.js';

/** What a writer needs to know about its request. */
export interface ResponseContext {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly kind: 'chat' | 'completion';
  readonly includeUsage: boolean;
  readonly continuousUsage: boolean;
  /** The answer's token texts when it is fixed in advance (structured output), else the generator's. */
  readonly pieces?: readonly string[];
  /** Called once the response is complete or cut (for connection bookkeeping). */
  readonly onDone: () => void;
}

/**
 * Text of output token `i` of a finished-or-running request (the EOS token has no text); `pieces` is the answer
 * fixed in advance by structured output.
 */
export function tokenText(seq: Sequence, i: number, pieces?: readonly string[]): string {
  if (seq.finishReason === 'stop' && i === seq.numOutput - 1) return '';
  if (pieces !== undefined) return pieces[i] ?? '';
  if (seq.refusal) return REFUSAL_PIECES[i] ?? '';
  return pieceAt(seq.genSeed, i);
}

/** The whole answer text so far. */
export function answerText(seq: Sequence, pieces?: readonly string[]): string {
  let s = '';
  for (let i = 0; i < seq.numOutput; i++) s += tokenText(seq, i, pieces);
  return s;
}

function usageJson(seq: Sequence): string {
  return `{"prompt_tokens":${seq.promptLen},"total_tokens":${seq.promptLen + seq.numOutput},"completion_tokens":${seq.numOutput}}`;
}

const ERROR_MESSAGE = 'The engine failed while generating this response (simulated by the errors fault).';

/** Streams a request as SSE. */
export class StreamingWriter implements SeqListener {
  readonly #res: ServerResponse;
  readonly #ctx: ResponseContext;
  readonly #head: string;
  #sent = 0;
  #closed = false;

  constructor(res: ServerResponse, ctx: ResponseContext) {
    this.#res = res;
    this.#ctx = ctx;
    const object = ctx.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    this.#head = `data: {"id":"${ctx.id}","object":"${object}","created":${ctx.created},"model":${JSON.stringify(ctx.model)},"choices":[`;
  }

  #chunk(seq: Sequence, text: string, finish: string | null): string {
    const usage = this.#ctx.continuousUsage ? `,"usage":${usageJson(seq)}` : '';
    const fin = finish === null ? 'null' : `"${finish}"`;
    if (this.#ctx.kind === 'chat') {
      return `${this.#head}{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":${fin}${finish === null ? '' : ',"stop_reason":null'}}]${usage}}\n\n`;
    }
    return `${this.#head}{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":${fin},"stop_reason":null}]${usage || ',"usage":null'}}\n\n`;
  }

  onOutput(seq: Sequence): void {
    if (this.#closed) return;
    const res = this.#res;
    if (seq.crashed) {
      this.#close();
      res.destroy();
      return;
    }
    const done = seq.finishReason !== null;
    if (done && seq.finishReason === 'abort') {
      this.#close();
      if (!res.writableEnded) res.end();
      return;
    }
    let out = '';
    if (this.#sent === 0 && seq.numOutput > 0 && this.#ctx.kind === 'chat') {
      const usage = this.#ctx.continuousUsage
        ? `,"usage":{"prompt_tokens":${seq.promptLen},"total_tokens":${seq.promptLen},"completion_tokens":0}`
        : '';
      out += `${this.#head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${usage}}\n\n`;
    }
    const n = seq.numOutput;
    for (let i = this.#sent; i < n; i++) {
      const last = done && seq.finishReason !== 'error' && i === n - 1;
      out += this.#chunk(seq, tokenText(seq, i, this.#ctx.pieces), last ? seq.finishReason : null);
    }
    this.#sent = n;
    if (!done) {
      if (out.length > 0) this.#write(out);
      return;
    }
    if (seq.finishReason === 'error') {
      out += `data: ${vllmErrorBody(500, 'InternalServerError', ERROR_MESSAGE)}\n\n`;
    } else if (this.#ctx.includeUsage) {
      out += `${this.#head}],"usage":${usageJson(seq)}}\n\n`;
    }
    out += 'data: [DONE]\n\n';
    this.#close();
    this.#write(out);
    res.end();
  }

  /**
   * Writes one piece of the body straight to the socket (node-internals/direct-body.ts). res.write() would cork
   * the socket and uncork it on process.nextTick, one tick per stream per step; with a thousand streams that
   * machinery cost more than the write syscalls themselves. The bytes on the wire are the same.
   */
  #write(data: string): void {
    writeBodyText(this.#res, data);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.onDone();
  }
}

/** Answers a request with one JSON body when it finishes. */
export class FullResponseWriter implements SeqListener {
  readonly #res: ServerResponse;
  readonly #ctx: ResponseContext;
  #closed = false;

  constructor(res: ServerResponse, ctx: ResponseContext) {
    this.#res = res;
    this.#ctx = ctx;
  }

  onOutput(seq: Sequence): void {
    if (this.#closed || seq.finishReason === null) return;
    this.#closed = true;
    this.#ctx.onDone();
    const res = this.#res;
    if (seq.crashed) {
      res.destroy();
      return;
    }
    if (seq.finishReason === 'abort') {
      if (!res.writableEnded) res.end();
      return;
    }
    if (seq.finishReason === 'error') {
      const body = vllmErrorBody(500, 'InternalServerError', ERROR_MESSAGE);
      res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const c = this.#ctx;
    const text = JSON.stringify(answerText(seq, c.pieces));
    const usage = `{"prompt_tokens":${seq.promptLen},"total_tokens":${seq.promptLen + seq.numOutput},"completion_tokens":${seq.numOutput},"prompt_tokens_details":null}`;
    const body =
      c.kind === 'chat'
        ? `{"id":"${c.id}","object":"chat.completion","created":${c.created},"model":${JSON.stringify(c.model)},"choices":[{"index":0,"message":{"role":"assistant","reasoning_content":null,"content":${text},"tool_calls":[]},"logprobs":null,"finish_reason":"${seq.finishReason}","stop_reason":null}],"usage":${usage},"prompt_logprobs":null}`
        : `{"id":"${c.id}","object":"text_completion","created":${c.created},"model":${JSON.stringify(c.model)},"choices":[{"index":0,"text":${text},"logprobs":null,"finish_reason":"${seq.finishReason}","stop_reason":null,"prompt_logprobs":null}],"usage":${usage}}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}
