import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthOutcome } from '../../broker/mqtt-broker.js';
import { verifySecret } from './secret-hash.js';
import type { SlowCheckQueue } from './slow-check-queue.js';

export interface SecretDirectory {
  secretHashOf(deviceId: string): string | undefined;
  /** While a provision file loads: its own check of this device and secret, taken next; undefined if it has none. */
  secretCheckUnderWay?(deviceId: string, secret: string): Promise<boolean> | undefined;
}

export interface DeviceAuthenticator {
  authenticate(clientId: string, username: string | undefined, secret: string | undefined): Promise<AuthOutcome>;
  /** True when this is the secret already confirmed for this device (an HMAC, no slow hash): the fast path. */
  knownGood(clientId: string, secret: string | undefined): boolean;
  /** A secret known to match this stored hash (just provisioned or confirmed): no slow check at its CONNECT. */
  remember(deviceId: string, secret: string, storedHash: string): void;
}

/**
 * CONTRACT.md §2: clientId = username = device id, password = device secret.
 * The slow hash is checked once per secret; a reconnect storm then costs an HMAC per device,
 * keyed by a per-process random key so the cache is useless outside this process. Secrets the
 * registry confirmed at start (the provision file) are remembered, so a fleet reconnecting after
 * a restart is not held up behind one slow hash per device.
 */
export function createDeviceAuthenticator(directory: SecretDirectory, slowChecks: SlowCheckQueue, onSlowCheck: () => void = () => undefined): DeviceAuthenticator {
  const processKey = randomBytes(32);
  const verified = new Map<string, { storedHash: string; mac: Buffer }>();
  const macOf = (secret: string): Buffer => createHmac('sha256', processKey).update(secret).digest();

  return {
    remember(deviceId, secret, storedHash) {
      verified.set(deviceId, { storedHash, mac: macOf(secret) });
    },
    knownGood(clientId, secret) {
      if (secret === undefined || secret === '') return false;
      const cached = verified.get(clientId);
      return cached !== undefined && cached.storedHash === directory.secretHashOf(clientId) && timingSafeEqual(cached.mac, macOf(secret));
    },
    async authenticate(clientId, username, secret) {
      if (username !== undefined && username !== clientId) return 'bad_client_id';
      const storedHash = directory.secretHashOf(clientId);
      if (storedHash === undefined) return 'unknown_device';
      if (secret === undefined || secret === '') return 'bad_secret';
      const mac = macOf(secret);
      const cached = verified.get(clientId);
      if (cached !== undefined && cached.storedHash === storedHash) {
        return timingSafeEqual(cached.mac, mac) ? 'ok' : 'bad_secret';
      }
      // The load checks this pair anyway: wait for it rather than hash it twice (its answer is remembered).
      const underWay = directory.secretCheckUnderWay?.(clientId, secret);
      if (underWay !== undefined) return (await underWay) ? 'ok' : 'bad_secret';
      // A few at a time behind a short line: a flood of wrong secrets cannot take the cores.
      const matches = await slowChecks.run(() => {
        onSlowCheck();
        return verifySecret(secret, storedHash);
      });
      if (matches === undefined) return 'busy';
      if (!matches) return 'bad_secret';
      verified.set(clientId, { storedHash, mac });
      return 'ok';
    },
  };
}
