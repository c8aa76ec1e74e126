import { createHmac, timingSafeEqual } from 'node:crypto';

/** Fields joined by `|`, base64url, then `.` and a 22-character HMAC with the gateway's own secret. */
export interface SignedTokens {
  seal(fields: readonly string[]): string;
  /** The fields, or undefined when the token is malformed or its signature does not hold. */
  open(token: string): string[] | undefined;
}

/** `domain` is prepended to what is signed, so a token of one kind never passes as another. */
export function createSignedTokens(secret: string, domain = ''): SignedTokens {
  const sign = (payload: string): string => createHmac('sha256', secret).update(`${domain}${payload}`).digest('base64url').slice(0, 22);
  return {
    seal(fields) {
      const payload = Buffer.from(fields.join('|')).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    open(token) {
      const match = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{22})$/.exec(token);
      if (match === null) return undefined;
      const expected = Buffer.from(sign(match[1]!));
      const given = Buffer.from(match[2]!);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      return Buffer.from(match[1]!, 'base64url').toString('utf8').split('|');
    },
  };
}
