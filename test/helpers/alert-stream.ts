import { get as httpGet, type ClientRequest } from 'node:http';
import { expect } from 'vitest';

/** An `alert` event of `GET /api/alerts/stream`: what changed, and the alert as the caller may see it. */
export interface AlertStreamEvent {
  change: string[];
  alert: { id: string; kind: string; grid: string; subject: string; state: string };
}

/**
 * A real SSE client over node:http on a gateway's alert stream, as the web console reads it:
 * resolves once the stream said hello, then collects `alert` events; close() drops the connection.
 */
export async function openAlertStream(baseUrl: string, token: string): Promise<{ events: AlertStreamEvent[]; close(): void }> {
  const events: AlertStreamEvent[] = [];
  let request: ClientRequest;
  await new Promise<void>((resolve, reject) => {
    request = httpGet(`${baseUrl}/api/alerts/stream`, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/text\/event-stream/);
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === 'hello') resolve();
          if (event === 'alert' && data !== undefined) events.push(JSON.parse(data) as AlertStreamEvent);
        }
      });
    });
    request.on('error', reject);
  });
  return { events, close: () => request.destroy() };
}
