import type { AppAuthResult } from '../../broker/mqtt-broker.js';
import type { Principal } from './token-store.js';

export interface AppLoginDirectory {
  resolveToken(token: string): Promise<Principal | undefined>;
  isDeviceId(clientId: string): boolean;
  /** The grids a worker looks after (empty for an unknown worker). */
  gridsOfWorker(workerId: string): readonly string[];
}

/**
 * MQTT logins of apps (CONTRACT.md §2, "anyone allowed"): user name `token`, password an API
 * bearer token. The client gets the token's role and subject. A client id equal to a device id
 * is refused: the broker would hand the device's session to the app and drop the device.
 */
export function createAppAuthenticator(directory: AppLoginDirectory) {
  return async function authenticateApp(clientId: string, token: string | undefined): Promise<AppAuthResult> {
    if (directory.isDeviceId(clientId)) return { outcome: 'client_id_taken' };
    const principal = token === undefined || token === '' ? undefined : await directory.resolveToken(token);
    if (principal === undefined) return { outcome: 'bad_token' };
    const grids = principal.role === 'worker' && principal.subject !== null ? directory.gridsOfWorker(principal.subject) : [];
    return { outcome: 'ok', client: { role: principal.role, subject: principal.subject, grids } };
  };
}
