import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookResponse } from '../webhook-http.js';
import { sendResponse } from './send-response.js';

/** The most bytes of an unread body drained after an early answer: nginx's default `client_max_body_size`. */
export const DRAIN_LIMIT_BYTES = 1024 * 1024;
/** The longest an unread body is drained after an early answer. */
export const DRAIN_LIMIT_MS = 5_000;

/** Whether the client waits for `100 Continue` before it sends the body (RFC 9110 §10.1.1). */
export function expectsContinue(req: IncomingMessage): boolean {
  const expect = req.headers.expect;
  return typeof expect === 'string' && expect.toLowerCase() === '100-continue';
}

/** Whether a request's body may still be on the wire: it has one, and it has not all been read. */
function bodyUnread(req: IncomingMessage): boolean {
  if (req.complete || req.readableEnded || req.destroyed) return false;
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
}

/**
 * Writes an answer given before the body was read in full (405, 415, 413,
 * 401). When body bytes may still come, the answer says `Connection: close`
 * and the rest of the body is read and thrown away, up to
 * {@link DRAIN_LIMIT_BYTES} and {@link DRAIN_LIMIT_MS}, before the
 * connection closes. Destroying the socket with unread bytes would reset
 * the connection under a proxy still writing them: nginx then answers 502
 * instead of our answer (issue 8, item 14). A client that waits for
 * `100 Continue` never got it, so it sends nothing: nothing to drain.
 */
export function answerEarly(req: IncomingMessage, res: ServerResponse, response: WebhookResponse): void {
  if (res.headersSent) return;
  if (!bodyUnread(req)) {
    sendResponse(res, response);
    return;
  }
  if (expectsContinue(req) && !continueSent(res)) {
    sendResponse(res, response, { close: true });
    return;
  }
  // The whole answer is written now; the response ends (and Node closes the socket) once the body is drained.
  sendResponse(res, response, { close: true, end: false });
  let drained = 0;
  const done = (): void => {
    clearTimeout(timer);
    req.off('data', onData).off('end', done).off('close', done).off('error', done);
    res.end();
  };
  // Past a bound, stop reading: Node closes the connection once the response ends.
  const enough = (): void => {
    req.pause();
    done();
  };
  const onData = (chunk: Buffer): void => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) enough();
  };
  const timer = setTimeout(enough, DRAIN_LIMIT_MS);
  timer.unref();
  req.on('data', onData).once('end', done).once('close', done).once('error', done);
  req.resume();
}

/** Whether Node already answered `100 Continue` (it does so itself when the server has no `checkContinue` listener). */
export function continueSent(res: ServerResponse): boolean {
  return (res as ServerResponse & { _sent100?: boolean })._sent100 === true;
}

/**
 * Sends `100 Continue` to a client that waits for it, once the head passed
 * every check, unless Node sent it already. Serve `checkContinue` with the
 * same listener (`server.on('checkContinue', listener)`) so a request we
 * refuse on its head (a declared length over the limit, a wrong key) gets
 * its answer instead of `100 Continue`.
 */
export function continueIfExpected(req: IncomingMessage, res: ServerResponse): void {
  if (expectsContinue(req) && !continueSent(res) && !res.headersSent) res.writeContinue();
}
