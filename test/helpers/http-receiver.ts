import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  method: string;
  headers: IncomingMessage['headers'];
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What a path answers: a status code, or `hang` (never answers, to exercise timeouts). */
export type Behaviour = number | 'hang';

/**
 * A real HTTP server standing in for the outside world (a worker's phone, an SMS gateway): it
 * records every request and answers as told per path.
 */
export interface HttpReceiver {
  readonly baseUrl: string;
  url(path: string): string;
  readonly requests: ReceivedRequest[];
  to(path: string): ReceivedRequest[];
  /** How a path answers, and with what body (default `{}`). */
  answer(path: string, behaviour: Behaviour, body?: string): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const behaviours = new Map<string, Behaviour>();
  const bodies = new Map<string, string>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ path, method: req.method ?? 'GET', headers: req.headers, text, body });
      const behaviour = behaviours.get(path) ?? 200;
      if (behaviour === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(behaviour, { 'content-type': 'application/json' }).end(bodies.get(path) ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    url: (path) => `${baseUrl}${path}`,
    requests,
    to: (path) => requests.filter((r) => r.path === path),
    answer: (path, behaviour, body) => {
      behaviours.set(path, behaviour);
      if (body !== undefined) bodies.set(path, body);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
