import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthOutcome } from '../../broker/mqtt-broker.js';
import { verifySecret } from './secret-hash.js';

export interface SecretDirectory {
  secretHashOf(deviceId: string): string | undefined;
}

/**
 * CONTRACT.md §2: clientId = username = device id, password = device secret.
 * The slow hash is checked once per secret; a reconnect storm then costs an HMAC per device,
 * keyed by a per-process random key so the cache is useless outside this process.
 */
export function createDeviceAuthenticator(directory: SecretDirectory) {
  const processKey = randomBytes(32);
  const verified = new Map<string, { storedHash: string; mac: Buffer }>();
  const macOf = (secret: string): Buffer => createHmac('sha256', processKey).update(secret).digest();

  return async function authenticateDevice(clientId: string, username: string | undefined, secret: string | undefined): Promise<AuthOutcome> {
    if (username !== undefined && username !== clientId) return 'bad_client_id';
    const storedHash = directory.secretHashOf(clientId);
    if (storedHash === undefined) return 'unknown_device';
    if (secret === undefined || secret === '') return 'bad_secret';
    const mac = macOf(secret);
    const cached = verified.get(clientId);
    if (cached !== undefined && cached.storedHash === storedHash) {
      return timingSafeEqual(cached.mac, mac) ? 'ok' : 'bad_secret';
    }
    if (!(await verifySecret(secret, storedHash))) return 'bad_secret';
    verified.set(clientId, { storedHash, mac });
    return 'ok';
  };
}
