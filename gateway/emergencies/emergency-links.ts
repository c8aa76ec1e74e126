import { createHmac, timingSafeEqual } from 'node:crypto';

export interface EmergencyLinks {
  /** The responder's own page for one emergency: their run, and buttons to answer without logging in. */
  url(emergencyId: string, responderId: string): string;
  verify(token: string): { emergencyId: string; responderId: string } | undefined;
}

/** Signed per-responder links, as the alerts' ack links: an HMAC with the gateway's own secret. */
export function createEmergencyLinks(secret: string, baseUrl: () => string): EmergencyLinks {
  const sign = (payload: string): string => createHmac('sha256', secret).update(`emergency|${payload}`).digest('base64url').slice(0, 22);
  return {
    url(emergencyId, responderId) {
      const payload = Buffer.from(`${emergencyId}|${responderId}`).toString('base64url');
      return `${baseUrl().replace(/\/$/, '')}/rescue/${payload}.${sign(payload)}`;
    },
    verify(token) {
      const match = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{22})$/.exec(token);
      if (match === null) return undefined;
      const expected = Buffer.from(sign(match[1]!));
      const given = Buffer.from(match[2]!);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      const [emergencyId, responderId] = Buffer.from(match[1]!, 'base64url').toString('utf8').split('|');
      if (emergencyId === undefined || responderId === undefined || emergencyId === '' || responderId === '') return undefined;
      return { emergencyId, responderId };
    },
  };
}
