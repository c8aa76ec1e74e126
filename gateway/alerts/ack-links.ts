import { createSignedTokens } from '../auth/signed-token.js';

/** What a link does: acknowledge an alert, or answer a responder dispatch. */
export type LinkAction = 'ack' | 'accept' | 'decline';
const ACTIONS: readonly string[] = ['ack', 'accept', 'decline'];

export interface AckLinks {
  /** A link that lets this person act on this alert from the page itself, without logging in. */
  url(alertId: string, personId: string, action?: LinkAction): string;
  /** What a link's token was made for; undefined when it was not made by us or has expired. */
  verify(token: string): { alertId: string; personId: string; action: LinkAction } | undefined;
}

export interface AckLinkOptions {
  now: () => number;
  /** How long a link works after the page that carries it was written. */
  ttlMs: number;
}

/**
 * Signed, per-person acknowledgement links: the token names the alert, the person and when it
 * expires, and an HMAC with the gateway's own secret proves the gateway wrote it. Opening the
 * link shows a confirm button (a GET never acks: chat apps fetch links to preview them). A link
 * forwarded or left in a phone's history stops working after `ttlMs`.
 */
export function createAckLinks(secret: string, baseUrl: () => string, options: AckLinkOptions): AckLinks {
  const tokens = createSignedTokens(secret);
  return {
    url(alertId, personId, action = 'ack') {
      // Seconds in base 36: the link goes out in text messages, where every character counts.
      const expires = Math.floor((options.now() + options.ttlMs) / 1000).toString(36);
      return `${baseUrl().replace(/\/$/, '')}/ack/${tokens.seal([alertId, personId, action, expires])}`;
    },
    verify(token) {
      const fields = tokens.open(token);
      if (fields === undefined) return undefined;
      const [alertId, personId, action, expires] = fields;
      if (alertId === undefined || personId === undefined || alertId === '' || personId === '') return undefined;
      if (action === undefined || !ACTIONS.includes(action)) return undefined;
      // Links written before links expired carry no time: they count as expired.
      if (expires === undefined || !/^[0-9a-z]{1,10}$/.test(expires) || parseInt(expires, 36) * 1000 <= options.now()) return undefined;
      return { alertId, personId, action: action as LinkAction };
    },
  };
}
