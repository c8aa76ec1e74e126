import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { sendJson } from './red-access.js';

/** Set by the proxy on every request to Node-RED's process, which answers nothing without it. */
export const HOP_HEADER = 'x-gateway-red-hop';

export interface RedTarget {
  port: number;
  hopKey: string;
}

/** Headers that describe one connection, not the request (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * Forwards a request the gate admitted to Node-RED's process on 127.0.0.1, with the hop key. A body
 * the deploy guard already read (and capped) goes as the JSON it left; others stream through.
 * Cross-origin headers from Node-RED are dropped: /red is for the gateway's own pages.
 */
export function proxyRequest(target: RedTarget, req: IncomingMessage & { body?: unknown; _body?: boolean; originalUrl?: string }, res: ServerResponse): void {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  headers[HOP_HEADER] = target.hopKey;
  let body: Buffer | undefined;
  if (req._body === true) {
    body = Buffer.from(JSON.stringify(req.body ?? {}));
    headers['content-length'] = String(body.length);
  }
  const upstream = http.request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.originalUrl ?? req.url, headers }, (answer) => {
    const out: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && !/^access-control-/i.test(name)) out[name] = value;
    }
    res.writeHead(answer.statusCode ?? 502, out);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) sendJson(res, 503, { error: 'GW_ERR_HTTP_NOT_READY', message: 'Node-RED did not answer (it may be restarting); the gateway’s own rules and paging are unaffected' });
    else res.destroy();
  });
  res.once('close', () => upstream.destroy());
  if (body !== undefined) upstream.end(body);
  else req.pipe(upstream);
}

/** Joins an admitted WebSocket upgrade (the editor's comms, websocket nodes) to Node-RED's process. */
export function proxyUpgrade(target: RedTarget, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const upstream = net.connect(target.port, '127.0.0.1');
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === HOP_HEADER) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  lines.push(`${HOP_HEADER}: ${target.hopKey}`);
  upstream.once('connect', () => {
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  const end = (): void => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', end);
  upstream.on('close', end);
  socket.on('error', end);
  socket.on('close', end);
}
