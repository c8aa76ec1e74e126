import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The parts of a page (gateway/pager/page-message.ts) a person reading it looks at. */
export interface ReceivedPage {
  /** The path the webhook was posted to, e.g. `/w1`. */
  path: string;
  type: string;
  reason: string | null;
  step: number | null;
  recipient: { id: string; name: string } | null;
  alert: { id: string; kind: string; severity: string; state: string; subject: string } | null;
  ackUrl: string | null;
  /** An SMS's phone number (the demo's SMS gateway posts here too). */
  to: string | null;
  text: string;
}

export interface PageReceiver {
  readonly baseUrl: string;
  readonly port: number;
  readonly pages: ReceivedPage[];
  close(): Promise<void>;
}

export interface PageReceiverOptions {
  host?: string;
  /** The port to try first; 0 or a busy port falls back to a free one. */
  port?: number;
  onPage?: (page: ReceivedPage) => void;
}

function asPage(path: string, body: unknown): ReceivedPage {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const alert = b.alert as ReceivedPage['alert'] | undefined;
  const recipient = b.recipient as ReceivedPage['recipient'] | undefined;
  return {
    path,
    type: typeof b.type === 'string' ? b.type : 'page',
    reason: typeof b.reason === 'string' ? b.reason : null,
    step: typeof b.step === 'number' ? b.step : null,
    recipient: recipient ?? null,
    alert: alert ?? null,
    ackUrl: typeof b.ackUrl === 'string' ? b.ackUrl : null,
    to: typeof b.to === 'string' ? b.to : null,
    text: typeof b.text === 'string' ? b.text : JSON.stringify(body),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Stands in for the workers' and responders' phones: accepts every webhook page with 200 and
 * hands it on, so the demo can print it on one line.
 */
export async function startPageReceiver(options: PageReceiverOptions = {}): Promise<PageReceiver> {
  const host = options.host ?? '127.0.0.1';
  const pages: ReceivedPage[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      const page = asPage((req.url ?? '/').split('?')[0]!, body);
      pages.push(page);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      options.onPage?.(page);
    });
  });
  try {
    await listen(server, options.port ?? 0, host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    await listen(server, 0, host);
  }
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://${host}:${port}`,
    port,
    pages,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A page on one line: who, which step, and the page's own text without the ack link. */
export function pageLine(page: ReceivedPage): string {
  const text = page.text.replace(/\s+/g, ' ').replace(/\. Ack: \S+$/, '');
  if (page.type === 'sms') return `[sms → ${page.to ?? '?'}] ${text}`;
  const who = page.recipient === null ? page.path : page.recipient.name;
  const why = page.reason === null || page.reason === 'step' ? '' : ` ${page.reason}`;
  const step = page.step === null ? '' : ` step ${page.step}`;
  return `[${page.type} → ${who}${step}${why}] ${text}`;
}

/** An SMS gateway body for the gateway's pager (config `pager.sms`) that this receiver prints. */
export function smsGatewayFor(receiver: Pick<PageReceiver, 'baseUrl'>): { url: string; contentType: 'application/json'; bodyTemplate: string } {
  return {
    url: `${receiver.baseUrl}/sms`,
    contentType: 'application/json',
    bodyTemplate: '{"type":"sms","to":"{{phone}}","alertId":"{{alertId}}","severity":"{{severity}}","text":"{{text}}"}',
  };
}
