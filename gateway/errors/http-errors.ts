/**
 * Every error the HTTP API returns, with a stable code (GW_ERR_<AREA>_<WHAT>), its status and
 * what it means; the `http` area of the gateway's error registry (gateway-errors.ts), which also
 * holds the Chinese text. The body is always `{"error": code, "message": text}` (CONTRACT.md §3).
 */
export const HTTP_ERRORS = {
  GW_ERR_AUTH_MISSING_TOKEN: { status: 401, meaning: 'no bearer token' },
  GW_ERR_AUTH_BAD_TOKEN: { status: 401, meaning: 'unknown or revoked token' },
  GW_ERR_AUTH_FORBIDDEN: { status: 403, meaning: 'the token’s role may not do this' },
  GW_ERR_AUTH_BAD_TICKET: { status: 401, meaning: 'the event-stream ticket is unknown, spent or expired' },
  GW_ERR_AUTH_BACKOFF: { status: 429, meaning: 'too many wrong tokens from this address; wait for Retry-After seconds' },
  GW_ERR_AUTH_SESSION_ENDED: { status: 401, meaning: 'the device session was signed out, went unused too long, is too old, or its token was revoked' },
  GW_ERR_AUTH_CSRF: { status: 403, meaning: 'a signed-in browser’s change came without its session’s CSRF token, or from another origin' },
  GW_ERR_HTTP_BAD_REQUEST: { status: 400, meaning: 'the body, query or path does not match the schema' },
  GW_ERR_HTTP_NOT_FOUND: { status: 404, meaning: 'no such route or resource' },
  GW_ERR_HTTP_TOO_LARGE: { status: 413, meaning: 'body larger than the limit' },
  GW_ERR_HTTP_UNSUPPORTED_MEDIA: { status: 415, meaning: 'body is not JSON' },
  GW_ERR_REGISTRY_INVALID: { status: 400, meaning: 'a registry entry fails validation' },
  GW_ERR_REGISTRY_MISSING_REFERENCE: { status: 400, meaning: 'an entry points at an id that does not exist' },
  GW_ERR_REGISTRY_IN_USE: { status: 409, meaning: 'the entry is still referenced' },
  GW_ERR_AQHI_FORECAST_INVALID: { status: 400, meaning: 'an official forecast that cannot hold: validUntil passed, an hour that gives no index, nothing forecast' },
  GW_ERR_EMERGENCY_INVALID: { status: 400, meaning: 'an emergency report or answer is malformed (the message names the field)' },
  GW_ERR_EMERGENCY_NOT_FOUND: { status: 404, meaning: 'no such emergency' },
  GW_ERR_EMERGENCY_NOT_ASKED: { status: 403, meaning: 'the responder was not asked to this emergency' },
  GW_ERR_EMERGENCY_NOT_APPLICABLE: { status: 409, meaning: 'the answer does not fit the responder’s run (e.g. AED collected on a run without an AED)' },
  GW_ERR_EMERGENCY_CLOSED: { status: 409, meaning: 'the emergency is closed' },
  GW_ERR_ALERT_TOO_MANY_NOTES: { status: 409, meaning: 'the alert has as many notes as alerts.maxNotesPerAlert allows' },
  GW_ERR_DRILL_INVALID: { status: 400, meaning: 'the drill’s grid, resident or place does not fit' },
  GW_ERR_RESIDENT_EMERGENCY_OPEN: { status: 409, meaning: 'the resident has an open emergency (fall, SOS, critical vitals): resolve it before they leave the programme' },
  GW_ERR_SHARING_NOT_SHARED: { status: 403, meaning: 'the resident does not share this data with the caller' },
  GW_ERR_HTTP_INTERNAL: { status: 500, meaning: 'a fault inside the gateway; details are in its log' },
  GW_ERR_HTTP_NOT_READY: { status: 503, meaning: 'the gateway is starting or stopping' },
  GW_ERR_STORE_UNAVAILABLE: { status: 503, meaning: 'the database the gateways share is not answering; try again after Retry-After seconds' },
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

export class HttpError extends Error {
  override name = 'HttpError';
  readonly statusCode: number;
  constructor(
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.statusCode = HTTP_ERRORS[code].status;
  }
}

export const ErrorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;
