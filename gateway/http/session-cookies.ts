import type { FastifyReply, FastifyRequest } from 'fastify';

/** The device session's cookie: http-only, so no script (nor an injected one) can read it. */
export const SESSION_COOKIE = 'gw_session';
/** The CSRF token's cookie: readable by the page, which sends it back in CSRF_HEADER (double submit, bound to the session). */
export const CSRF_COOKIE = 'gw_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Sets both cookies: SameSite=Strict, Secure whenever the request came over HTTPS. */
export function setSessionCookies(request: FastifyRequest, reply: FastifyReply, secret: string, csrf: string, maxAgeS: number): void {
  const common = { path: '/', sameSite: 'strict', secure: request.protocol === 'https', maxAge: maxAgeS } as const;
  reply.setCookie(SESSION_COOKIE, secret, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, csrf, { ...common, httpOnly: false });
}

export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply): void {
  const common = { path: '/', sameSite: 'strict', secure: request.protocol === 'https' } as const;
  reply.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, common);
}
