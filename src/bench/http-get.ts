// Small GETs around a run (the target's model list, engine /metrics, Prometheus's API) through undici's request:
// fetch() would refuse the ports the Fetch standard blocks (6000, 6665-6669, ...), on which a model server may
// well listen.
import { request } from 'undici';

/** A whole response. */
export interface GetResult {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** Why a GET failed before an answer: an errno-style code when there is one. */
export function failureCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; message?: string; name?: string };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT')
    return 'no answer in time';
  return e.code ?? e.cause?.code ?? e.message ?? String(err);
}

/** GETs `url`; rejects on a connection failure or timeout (see failureCode). */
export async function httpGet(
  url: string,
  headers: Readonly<Record<string, string>> = {},
  timeoutMs = 10_000,
): Promise<GetResult> {
  const res = await request(url, {
    method: 'GET',
    headers: { ...headers },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const type = res.headers['content-type'];
  return {
    status: res.statusCode,
    contentType: (Array.isArray(type) ? type[0] : type) ?? '',
    text: await res.body.text(),
  };
}
