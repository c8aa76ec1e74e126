import type { FastifyRequest } from 'fastify';

/**
 * A URL as the request log may keep it: the signed token of an ack link and a stream ticket are
 * credentials, and a log is read by more people, for longer, than they are valid.
 */
export function redactUrl(url: string): string {
  return url.replace(/^\/ack\/[^?#]*/, '/ack/[redacted]').replace(/([?&]ticket=)[^&#]*/gi, '$1[redacted]');
}

/** Fastify's request serializer with the URL redacted (the rest as fastify logs it). */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
