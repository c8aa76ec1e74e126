import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Alert } from '../../../rules/safety/index.js';
import { KIND_LABELS } from '../../alerts/page-message.js';
import { resolvePerson } from '../../pager/recipients.js';
import type { LinkAction } from '../../alerts/ack-links.js';
import type { HttpDeps } from '../deps.js';
import { isEmergency } from '../../sharing/sharing-policy.js';

const TokenParams = Type.Object({ token: Type.String({ maxLength: 500 }) });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAGE_STYLE =
  'body{font:20px/1.5 system-ui,sans-serif;margin:1.5em;max-width:32em}' +
  'button{font-size:1.2em;padding:.8em 1.6em;background:#b00020;color:#fff;border:0;border-radius:.4em}';
/** The page runs no script and loads nothing: its one style by hash, its one form back to itself. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .send(
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
        `<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>` +
        `<body>${body}</body></html>`,
    );
}

/** The page is read by whoever holds the phone: both languages, as the SMS it came from. */
const SEVERITY_WORDS: Record<string, { zh: string; en: string }> = {
  critical: { zh: '危急', en: 'critical' },
  high: { zh: '高', en: 'high' },
  medium: { zh: '中', en: 'medium' },
  low: { zh: '低', en: 'low' },
};
const STATE_WORDS: Record<string, { zh: string; en: string }> = {
  open: { zh: '未处理', en: 'open' },
  acked: { zh: '处理中', en: 'in hand' },
  resolved: { zh: '已结束', en: 'resolved' },
};

function both(words: { zh: string; en: string } | undefined): string {
  return words === undefined ? '' : `${words.zh} · ${words.en}`;
}

function summary(alert: Alert, subjectName: string): string {
  const label = KIND_LABELS[alert.kind];
  return (
    `<h1>${escapeHtml(label.zh)} · ${escapeHtml(label.en)}</h1><p>${escapeHtml(subjectName)}</p>` +
    `<p>${escapeHtml(both(SEVERITY_WORDS[alert.severity]))}; ${escapeHtml(both(STATE_WORDS[alert.state]))}</p>`
  );
}

/**
 * The ack link in a page: GET shows the alert and a confirm button, POST acknowledges it as the
 * person the link was made for. Public: the signed token is the credential.
 */
export const ackLinkRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // The confirm form posts an empty urlencoded body.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) => done(null, {}));

  /** What the alert is about in words: the resident, the cabinet's place, the station's name; never an id. */
  const subjectName = (alert: Alert): string => {
    const resident = deps.registry.get('residents', alert.subject);
    if (resident !== undefined) return [resident.name, resident.address].filter(Boolean).join(', ');
    const aed = deps.registry.get('aeds', alert.subject);
    if (aed !== undefined) {
      const floor = aed.floor === undefined ? undefined : `${aed.floor} 层 · floor ${aed.floor}`;
      const grid = aed.grid === undefined ? undefined : deps.registry.get('grids', aed.grid)?.name;
      return [`除颤器柜 · AED cabinet: ${aed.description ?? grid ?? ''}`, floor, `${aed.lat.toFixed(5)},${aed.lon.toFixed(5)}`].filter(Boolean).join(', ');
    }
    const station = deps.registry.get('stations', alert.subject);
    if (station !== undefined) return `监测站 · Air station: ${station.name}`;
    return deps.registry.get('grids', alert.grid)?.name ?? '';
  };
  const nameOf = (personId: string | null): string => (personId === null ? '' : (resolvePerson(deps.registry, personId)?.name ?? ''));

  const resolveLink = async (token: string): Promise<{ alert: Alert; personId: string; personName: string; subjectName: string; action: LinkAction } | undefined> => {
    const link = deps.ackLinks.verify(token);
    if (link === undefined) return undefined;
    const alert = await deps.alerts.get(link.alertId);
    if (alert === undefined) return undefined;
    return { alert, personId: link.personId, personName: nameOf(link.personId), subjectName: subjectName(alert), action: link.action };
  };

  app.get('/ack/:token', { config: { public: true }, schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    const found = await resolveLink(request.params.token);
    if (found === undefined) return page(reply, 404, 'Unknown link', '<h1>链接无效 · This link is not valid.</h1>');
    const { alert, subjectName, personName } = found;
    // The page names the resident and their address: a read by the person the link was made for.
    if (deps.registry.has('residents', alert.subject)) {
      const ground = isEmergency(alert) ? 'emergency' : 'consent';
      await deps.accessLog.record([{ atMs: deps.now(), actor: found.personId, role: 'link', resident: alert.subject, category: 'profile', action: 'read_ack_page', ground }]);
    }
    if (found.action !== 'ack') {
      const verb = found.action === 'accept' ? '我去 · I will go' : '去不了 · I cannot go';
      return page(reply, 200, 'Dispatch', `${summary(alert, subjectName)}<form method="post"><button type="submit">${verb}</button></form><p>${escapeHtml(personName)}</p>`);
    }
    const action =
      alert.state === 'open'
        ? `<form method="post"><button type="submit">我来处理 · I am on it</button></form><p>${escapeHtml(personName)}</p>`
        : `<p>${escapeHtml(both(STATE_WORDS[alert.state]))}${alert.assignee === null ? '' : `: ${escapeHtml(nameOf(alert.assignee))}`}</p>`;
    return page(reply, 200, 'Alert', summary(alert, subjectName) + action);
  });

  app.post('/ack/:token', { config: { public: true }, schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    const found = await resolveLink(request.params.token);
    if (found === undefined) {
      request.log.warn({ ip: request.ip }, 'ack link with a bad signature or unknown alert');
      return page(reply, 404, 'Unknown link', '<h1>链接无效 · This link is not valid.</h1>');
    }
    if (found.action !== 'ack') {
      const result = await deps.aed.respond(found.alert.id, found.personId, found.action);
      request.log.info({ alertId: found.alert.id, responder: found.personId, answer: found.action, ...result }, 'dispatch answered by page link');
      const text =
        found.action === 'accept'
          ? '谢谢，请立即出发：除颤器柜在上面的位置。 · Thank you. Go now: the cabinet is at the place above.'
          : '谢谢，正在询问下一位急救员。 · Thank you; the next responder is being asked.';
      return page(reply, result.found ? 200 : 404, 'Dispatch', `${summary(found.alert, found.subjectName)}<p>${escapeHtml(text)}</p>`);
    }
    const updated = (await deps.alerts.ack(found.alert.id, found.personId, 'acknowledged from the page link')) ?? found.alert;
    request.log.info({ alertId: updated.id, by: found.personId }, 'alert acked by page link');
    return page(reply, 200, 'Acknowledged', `${summary(updated, found.subjectName)}<p>谢谢，${escapeHtml(found.personName)}，其他人已知道由您处理。 · Thank you, ${escapeHtml(found.personName)}. The others are told you are on it.</p>`);
  });
};
