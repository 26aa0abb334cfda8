// Node's http server keeps the response being written on a connection in `socket._httpMessage`, an undocumented
// field. A `clientError` handler needs it: an error answered with raw bytes must not land inside a response
// already under way (a pipelined request's parse error while the previous response streams). This is the one
// place that reads it; `socket-response.test.ts` fails if a Node version stops setting it.
import type { Socket } from 'node:net';

interface WithHttpMessage {
  _httpMessage?: unknown;
}

/** True while a response is assigned to `socket` (from its request's arrival until it is finished). */
export function responseInProgress(socket: Socket): boolean {
  const m = (socket as Socket & WithHttpMessage)._httpMessage;
  return m !== undefined && m !== null;
}
