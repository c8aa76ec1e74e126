import type { GatewayErrorCode } from '../errors/gateway-errors.js';

/** Each registry refusal's code in the gateway's error registry (errors/gateway-errors.ts). */
const REGISTRY_ERROR_CODES = {
  invalid: 'GW_ERR_REGISTRY_INVALID',
  missing_reference: 'GW_ERR_REGISTRY_MISSING_REFERENCE',
  in_use: 'GW_ERR_REGISTRY_IN_USE',
  not_found: 'GW_ERR_REGISTRY_NOT_FOUND',
  loading: 'GW_ERR_REGISTRY_LOADING',
  emergency_open: 'GW_ERR_RESIDENT_EMERGENCY_OPEN',
} as const satisfies Record<string, GatewayErrorCode>;

export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(
    /** `emergency_open`: a resident with an open emergency cannot leave the programme yet. */
    readonly code: keyof typeof REGISTRY_ERROR_CODES,
    message: string,
  ) {
    super(message);
  }

  get gatewayCode(): GatewayErrorCode {
    return REGISTRY_ERROR_CODES[this.code];
  }
}
