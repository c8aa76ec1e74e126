/** Node's socket errors and PostgreSQL's connection-exception class (08) and shutdown codes (57P01-57P03). */
const UNAVAILABLE_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|08\d{3}|57P0[123])$/;
/** What node-postgres says when a connection or a query runs out of time, or a connection ends under it. */
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Query read timeout|Connection terminated|canceling statement due to statement timeout|Client has encountered a connection error/i;

/**
 * Whether an error says the database did not answer (away, restarting, too slow), as opposed to a
 * fault in the request or in the gateway: the first is for the caller to try again, not a 500.
 */
export function storeUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) || (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message));
}
