// One request inside the engine: its tokens, KV blocks, lifecycle timestamps and fault marks. A plain class
// with fixed fields (one hidden class in V8), mutated in place by the scheduler and the engine.

/** Where a request is in its life. */
export type SeqStatus = 'pending' | 'waiting' | 'running' | 'swapped' | 'finished';

/** Why a request ended; vLLM's `finished_reason` values. */
export type SimFinishReason = 'stop' | 'length' | 'abort' | 'error';

/** Receives a request's output as the engine produces it. */
export interface SeqListener {
  /**
   * Called at the end of each step in which the request produced a token, at most once per step, and once
   * when it finishes (in the same call when the last token and the finish coincide).
   */
  onOutput(seq: Sequence): void;
}

/** A request as the engine sees it. Fields are public for speed; treat them as read-only outside the engine. */
export class Sequence {
  /** Engine-local number, in submission order. */
  readonly id: number;
  readonly promptLen: number;
  /** Full-block hashes of the tokenized prompt, or null for prompts given as a count. */
  readonly promptHashes: Float64Array | null;
  /** Seed of the output text: token i is pieceAt(genSeed, i). */
  readonly genSeed: number;
  /** Output budget: max_tokens, or what max_model_len leaves. */
  readonly maxTokens: number;
  /** max_tokens as the client sent it, 0 when unset. */
  readonly maxTokensParam: number;
  readonly ignoreEos: boolean;
  /** Tokens the answer wants (EOS included) before max_tokens caps it. */
  naturalLen: number;
  /** Tokens the request will produce: min(maxTokens, naturalLen) unless ignore_eos. */
  outputLimit: number;
  /** Finish reason when outputLimit is reached: stop (EOS) or length. */
  limitReason: 'stop' | 'length';
  /** Output count at which an `errors` fault fails the request (the token is not produced), or -1. */
  errorAt = -1;
  /** Answers with the refusal text (`refusals` fault). */
  refusal = false;

  status: SeqStatus = 'pending';
  numComputed = 0;
  numOutput = 0;
  readonly blocks: number[] = [];
  /** Blocks held on CPU while swapped out. */
  swappedBlocks = 0;
  /** Leading blocks whose content hash has been registered, and the hash of the last of them. */
  hashedBlocks = 0;
  lastHash = 0;
  /** Prompt tokens served from the prefix cache at first admission. */
  numCachedTokens = -1;
  numPreemptions = 0;
  /** Tokens scheduled for the step in flight (scratch). */
  stepTokens = 0;

  readonly arrivalTime: number;
  /** When the request enters the engine queue (arrival + frontend latency). */
  readonly enqueueTime: number;
  firstScheduledTime = -1;
  firstTokenTime = -1;
  lastTokenTime = -1;
  finishTime = -1;
  finishReason: SimFinishReason | null = null;
  /** Abort requested (client went away); acted on at the next step boundary. */
  aborted = false;
  /** Ended by a simulated crash: the connection is cut rather than finished. */
  crashed = false;
  listener: SeqListener | null;

  constructor(init: {
    id: number;
    promptLen: number;
    promptHashes: Float64Array | null;
    genSeed: number;
    maxTokens: number;
    maxTokensParam: number;
    ignoreEos: boolean;
    naturalLen: number;
    arrivalTime: number;
    enqueueTime: number;
    listener: SeqListener | null;
  }) {
    this.id = init.id;
    this.promptLen = init.promptLen;
    this.promptHashes = init.promptHashes;
    this.genSeed = init.genSeed;
    this.maxTokens = init.maxTokens;
    this.maxTokensParam = init.maxTokensParam;
    this.ignoreEos = init.ignoreEos;
    this.naturalLen = init.naturalLen;
    this.arrivalTime = init.arrivalTime;
    this.enqueueTime = init.enqueueTime;
    this.listener = init.listener;
    this.outputLimit = 0;
    this.limitReason = 'length';
    this.updateLimit();
  }

  /** Recomputes outputLimit and limitReason after naturalLen changed. */
  updateLimit(): void {
    if (this.ignoreEos || this.naturalLen > this.maxTokens) {
      this.outputLimit = this.maxTokens;
      this.limitReason = 'length';
    } else {
      this.outputLimit = this.naturalLen;
      this.limitReason = 'stop';
    }
  }

  /** Prompt plus output tokens so far. */
  get numTokens(): number {
    return this.promptLen + this.numOutput;
  }
}
