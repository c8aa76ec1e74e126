import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RunAnswer } from '../../../rules/aed/index.js';
import type { Emergency } from '../../emergencies/emergency-store.js';
import type { HttpDeps } from '../deps.js';

const TokenParams = Type.Object({ token: Type.String({ maxLength: 500 }) });
const ANSWER_BUTTONS: { answer: RunAnswer; label: string; when: readonly string[] }[] = [
  { answer: 'accept', label: '我去 · I will go', when: ['asked', 'timed_out', 'released', 'declined'] },
  { answer: 'decline', label: '去不了 · I cannot go', when: ['asked', 'accepted'] },
  { answer: 'aed_collected', label: '已取到AED · I have the AED', when: ['accepted'] },
  { answer: 'on_scene', label: '已到现场 · I am with the patient', when: ['accepted', 'aed_collected'] },
];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>急救 Rescue</title>` +
        `<style>body{font:20px/1.5 system-ui,sans-serif;margin:1.5em;max-width:32em}button{font-size:1.1em;padding:.7em 1.4em;margin:.3em 0;background:#b00020;color:#fff;border:0;border-radius:.4em;display:block}</style></head><body>${body}</body></html>`,
    );
}

/**
 * The responder's page from their dispatch link: the patient's place, their own route (via which
 * AED, or straight), and buttons for each answer that fits now. Public: the signed token is the
 * credential; a GET never answers (chat apps fetch links to preview them).
 */
export const rescuePageRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // The buttons post a small urlencoded form: `answer=accept`.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  const resolve = async (token: string): Promise<{ emergency: Emergency; responderId: string } | undefined> => {
    const link = deps.emergencies.verifyLink(token);
    if (link === undefined) return undefined;
    const emergency = await deps.emergencies.get(link.emergencyId);
    return emergency === undefined ? undefined : { emergency, responderId: link.responderId };
  };

  async function render(reply: FastifyReply, emergency: Emergency, responderId: string, message?: string): Promise<FastifyReply> {
    const view = await deps.emergencies.view(emergency, responderId);
    const run = view.responders[0];
    if (run === undefined) return html(reply, 404, '<h1>This link is not valid.</h1>');
    const where = `${view.address ?? ''} ${view.lat.toFixed(5)},${view.lon.toFixed(5)}`;
    const route = run.aed === null ? `直接去现场 · Go straight to the patient (${run.directM} m).` : `先取AED · First fetch the AED: ${run.aed.name} (${run.toAedM} m), then the patient (${run.routeM} m in all).`;
    const buttons =
      view.state === 'closed'
        ? '<p>已结束 · This emergency is over. Thank you.</p>'
        : ANSWER_BUTTONS.filter((b) => b.when.includes(run.state) && (b.answer !== 'aed_collected' || run.aed !== null))
            .map((b) => `<form method="post"><input type="hidden" name="answer" value="${b.answer}"><button type="submit">${escapeHtml(b.label)}</button></form>`)
            .join('');
    return html(
      reply,
      200,
      `<h1>${escapeHtml(view.kindLabel.zh)} · ${escapeHtml(view.kindLabel.en)}</h1><p>${escapeHtml(where)}</p><p>${escapeHtml(route)}</p>` +
        `<p>${escapeHtml(run.name)}: ${escapeHtml(run.stateLabel.zh)} · ${escapeHtml(run.stateLabel.en)}</p>${message === undefined ? '' : `<p><strong>${escapeHtml(message)}</strong></p>`}${buttons}`,
    );
  }

  app.get('/rescue/:token', { config: { public: true }, schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    const found = await resolve(request.params.token);
    if (found === undefined) return html(reply, 404, '<h1>This link is not valid.</h1>');
    return render(reply, found.emergency, found.responderId);
  });

  app.post('/rescue/:token', { config: { public: true }, schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    const found = await resolve(request.params.token);
    if (found === undefined) {
      request.log.warn({ ip: request.ip }, 'rescue link with a bad signature or unknown emergency');
      return html(reply, 404, '<h1>This link is not valid.</h1>');
    }
    const raw = (request.body as Record<string, unknown> | undefined)?.answer;
    const button = ANSWER_BUTTONS.find((b) => b.answer === raw);
    if (button === undefined) return render(reply, found.emergency, found.responderId, '请选择 · Choose one of the buttons.');
    const result = await deps.emergencies.answer(found.emergency.id, found.responderId, button.answer);
    request.log.info({ emergencyId: found.emergency.id, responder: found.responderId, answer: button.answer, outcome: result.outcome }, 'rescue answered by page link');
    const now = result.outcome === 'not_found' ? found.emergency : result.emergency;
    return render(reply, now, found.responderId, result.outcome === 'changed' ? '已收到 · Received.' : '没有变化 · Nothing changed.');
  });
};
