import type { Logger } from 'pino';
import { clientIdKey } from './login-guard.js';

/** Refused logins logged per second at most, over all addresses: a flood must not become a log flood. */
const LINES_PER_SECOND = 10;
/** And per address and reason, at most once in this long. */
const PER_KEY_INTERVAL_MS = 10_000;
const MAX_KEYS = 1000;

/**
 * Log lines for refused CONNECTs: the client id cut to its start and length (they may be 64 KB),
 * each (address, reason) at most every ten seconds and all of them at most ten a second, each line
 * saying how many were left out before it. The counter in the metrics sees every refusal.
 */
export function createRefusalLog(log: Logger, now: () => number) {
  const lastByKey = new Map<string, number>();
  let windowStartMs = 0;
  let linesInWindow = 0;
  let suppressed = 0;

  return (clientId: string, reason: string, address: string): void => {
    const at = now();
    const key = `${address}\u0000${reason}`;
    const last = lastByKey.get(key);
    if (at - windowStartMs >= 1000) {
      windowStartMs = at;
      linesInWindow = 0;
    }
    if ((last !== undefined && at - last < PER_KEY_INTERVAL_MS) || linesInWindow >= LINES_PER_SECOND) {
      suppressed++;
      return;
    }
    if (last === undefined && lastByKey.size >= MAX_KEYS) lastByKey.delete(lastByKey.keys().next().value!);
    lastByKey.delete(key);
    lastByKey.set(key, at);
    linesInWindow++;
    log.warn({ clientId: clientIdKey(clientId), address, reason, suppressedSinceLast: suppressed }, 'connection refused');
    suppressed = 0;
  };
}
