import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { capFunctionTimeouts } from './function-timeouts.js';
import type { ConnectHandler } from './node-red-types.js';
import { readBody, sendJson } from './red-access.js';

/** Node-RED's own limit for admin API bodies (`apiMaxLength`). */
export const ADMIN_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/**
 * Sits in front of Node-RED's admin API: reads every JSON body written to it (a deploy, a single
 * flow, a library entry) and caps each function node's time limit before Node-RED parses it, so no
 * deploy route, API version or import can bring in a function node that may run for long. Form
 * bodies, which Node-RED would also parse into flows, are refused. The flows' own endpoints
 * (`/red/api`) are left alone.
 */
export function createDeployGuard(options: { maxFunctionTimeoutS: number; nodeRoot: string; log: Logger }): ConnectHandler {
  return (req: IncomingMessage & { body?: unknown; _body?: boolean }, res: ServerResponse, next) => {
    const path = (req.url ?? '/').split('?')[0]!.toLowerCase();
    const writes = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
    if (!writes || path === options.nodeRoot || path.startsWith(`${options.nodeRoot}/`)) {
      next();
      return;
    }
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (type.includes('application/x-www-form-urlencoded')) {
      sendJson(res, 415, { error: 'GW_ERR_HTTP_UNSUPPORTED_MEDIA', message: 'the Node-RED admin API takes JSON here' });
      return;
    }
    if (!type.includes('json')) {
      next();
      return;
    }
    readBody(req, ADMIN_BODY_LIMIT_BYTES).then(
      (text) => {
        let body: unknown;
        try {
          body = text === '' ? {} : JSON.parse(text);
        } catch {
          sendJson(res, 400, { error: 'GW_ERR_HTTP_BAD_REQUEST', message: 'the body is not valid JSON' });
          return;
        }
        const capped = capFunctionTimeouts(body, options.maxFunctionTimeoutS);
        if (capped > 0) options.log.info({ url: req.url, functionNodes: capped, timeoutS: options.maxFunctionTimeoutS }, 'function node time limits capped');
        // body-parser skips a request marked as parsed.
        req.body = body;
        req._body = true;
        next();
      },
      () => sendJson(res, 413, { error: 'GW_ERR_HTTP_TOO_LARGE', message: `admin API bodies are limited to ${ADMIN_BODY_LIMIT_BYTES} bytes` }),
    );
  };
}
