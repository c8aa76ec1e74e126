import { createSignedTokens } from '../auth/signed-token.js';

export interface EmergencyLinks {
  /** The responder's own page for one emergency: their run, and buttons to answer without logging in. */
  url(emergencyId: string, responderId: string): string;
  verify(token: string): { emergencyId: string; responderId: string } | undefined;
}

/** Signed per-responder links, as the alerts' ack links: an HMAC with the gateway's own secret. */
export function createEmergencyLinks(secret: string, baseUrl: () => string): EmergencyLinks {
  const tokens = createSignedTokens(secret, 'emergency|');
  return {
    url(emergencyId, responderId) {
      return `${baseUrl().replace(/\/$/, '')}/rescue/${tokens.seal([emergencyId, responderId])}`;
    },
    verify(token) {
      const [emergencyId, responderId] = tokens.open(token) ?? [];
      if (emergencyId === undefined || responderId === undefined || emergencyId === '' || responderId === '') return undefined;
      return { emergencyId, responderId };
    },
  };
}
