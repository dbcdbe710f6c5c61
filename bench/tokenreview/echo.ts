/**
 * The baseline handler: a bare Node JSON echo — it reads the JSON body, parses it and sends the parsed
 * document back serialised, the least any JSON webhook on Node must do (a TokenReview answer is about
 * as large as the request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function echoHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let document: unknown;
    try {
      document = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const body = JSON.stringify(document);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
}
