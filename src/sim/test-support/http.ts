// HTTP helpers for simulator tests: raw SSE reading with arrival times, JSON posts, and polling.

/** One SSE event with the time (performance.now, ms) its bytes arrived. */
export interface TimedEvent {
  readonly data: string;
  readonly at: number;
}

/** POSTs JSON and returns the response. */
export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

/** Reads a whole SSE body into events (the `data:` payloads), stamping each with its arrival time. */
export async function readSse(
  res: Response,
  onEvent?: (e: TimedEvent, index: number) => void,
): Promise<{ events: TimedEvent[]; raw: string }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: TimedEvent[] = [];
  let raw = '';
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const at = performance.now();
    const text = decoder.decode(value, { stream: true });
    raw += text;
    buf += text;
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (block.startsWith('data: ')) {
        const e = { data: block.slice(6), at };
        events.push(e);
        onEvent?.(e, events.length - 1);
      }
    }
  }
  return { events, raw };
}

/** Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
