/**
 * The host's one body reader. Every webhook body — the TokenReview fast path and every express route —
 * is read here, up to the limit its route declares: past the limit (declared or streamed) the answer
 * is 413 and the connection is closed, so an oversized body is never buffered. Routes get the raw
 * bytes and parse them with their own strict parser.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a route gets when it declares no limit: reviews and SubjectAccessReviews are well under it. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

const TOO_LARGE = JSON.stringify({ error: 'request body too large' });

/** Collects the body up to `limit` bytes and calls `done` with it; past the limit, answers 413. */
export function readBody(req: IncomingMessage, res: ServerResponse, limit: number, done: (body: Buffer) => void): void {
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    tooLarge(req, res);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    if (size > limit) {
      over = true;
      tooLarge(req, res);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (!over) done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
  req.on('error', () => res.destroy());
}

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(TOO_LARGE), connection: 'close' }).end(TOO_LARGE);
  res.on('finish', () => req.destroy());
}
