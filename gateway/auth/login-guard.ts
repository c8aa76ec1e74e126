import type { AppAuthResult, AuthOutcome } from '../../broker/mqtt-broker.js';
import type { DeviceAuthenticator } from './device-authenticator.js';
import { LoginBackoff } from './login-backoff.js';

export interface BackoffSettings {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterS: number;
}

/** Addresses, and client ids, remembered for their failures at most: a flood of new ones stays bounded. */
const MAX_REMEMBERED = 100_000;

/** Client ids may be 64 KB long (MQTT 3.1.1 allows it): a key keeps their start and their length. */
export function clientIdKey(clientId: string): string {
  return clientId.length <= 128 ? clientId : `${clientId.slice(0, 128)}…${clientId.length}`;
}

/**
 * MQTT logins under back-off (the HTTP side's), per address and per client id. A device presenting the secret
 * already confirmed for it (the fast path, an HMAC) is let in whatever others did: someone
 * failing with its id, or behind its address, cannot lock it out. Everything else from a
 * backed-off address or for a backed-off id is refused at once (CONNACK 3, try later) without
 * touching the registry or a slow hash; each other failure lengthens the back-off.
 */
export function createLoginGuard(
  device: DeviceAuthenticator,
  authenticateApp: ((clientId: string, token: string | undefined) => Promise<AppAuthResult>) | undefined,
  settings: BackoffSettings,
  now: () => number,
) {
  const options = { now, freeFailures: settings.freeFailures, baseDelayMs: settings.baseDelayMs, maxDelayMs: settings.maxDelayMs, forgetAfterMs: settings.forgetAfterS * 1000, maxAddresses: MAX_REMEMBERED };
  const byAddress = new LoginBackoff(options);
  const byClientId = new LoginBackoff(options);
  const backedOff = (clientId: string, address: string): boolean => byAddress.waitMs(address) > 0 || byClientId.waitMs(clientIdKey(clientId)) > 0;
  // Only failures count, and a success does not wipe them (one valid login would otherwise buy more guesses).
  const settle = (outcome: AuthOutcome, clientId: string, address: string): void => {
    if (outcome !== 'ok' && outcome !== 'busy' && outcome !== 'backed_off') {
      byAddress.failed(address);
      byClientId.failed(clientIdKey(clientId));
    }
  };

  return {
    async authenticateDevice(clientId: string, username: string | undefined, secret: string | undefined, address: string): Promise<AuthOutcome> {
      if ((username === undefined || username === clientId) && device.knownGood(clientId, secret)) return 'ok';
      if (backedOff(clientId, address)) return 'backed_off';
      const outcome = await device.authenticate(clientId, username, secret);
      settle(outcome, clientId, address);
      return outcome;
    },
    async authenticateApp(clientId: string, token: string | undefined, address: string): Promise<AppAuthResult> {
      if (authenticateApp === undefined) return { outcome: 'bad_token' };
      if (backedOff(clientId, address)) return { outcome: 'backed_off' };
      const result = await authenticateApp(clientId, token);
      settle(result.outcome, clientId, address);
      return result;
    },
    /** Addresses and client ids made to wait now. */
    waiting(): number {
      return byAddress.waiting() + byClientId.waiting();
    },
  };
}
