import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../gateway/config/config.js';
import { ERROR_AREAS, ZH, errorText, type GatewayErrorCode } from '../../gateway/errors/gateway-errors.js';
import { HTTP_ERRORS, HttpError } from '../../gateway/errors/http-errors.js';
import { DELIVERY_ERROR_CODES, DeliveryError } from '../../gateway/pager/channels.js';
import { RegistryError } from '../../gateway/registry/registry.js';
import { FlowActionError } from '../../gateway/node-red/flow-bridge.js';
import { DrillError } from '../../gateway/drills/drill-service.js';
import { ForecastInputError } from '../../gateway/aqhi/forecast-service.js';
import { selectAqhiProfile } from '../../gateway/aqhi/profile-selection.js';

const registered: string[] = Object.values(ERROR_AREAS).flatMap((area) => Object.keys(area));
const HAN = /\p{Script=Han}/u;

describe('the gateway error registry', () => {
  it('registers each code once, across all areas', () => {
    const seen = new Map<string, number>();
    for (const code of registered) seen.set(code, (seen.get(code) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    expect(registered.length).toBeGreaterThan(Object.keys(HTTP_ERRORS).length);
  });

  it('names every code GW_ERR_<AREA>_<WHAT>', () => {
    expect(registered.filter((code) => !/^GW_ERR_[A-Z0-9]+(_[A-Z0-9]+)+$/.test(code))).toEqual([]);
  });

  it('has English and Chinese text for every code, and Chinese only for registered codes', () => {
    for (const code of registered) {
      const { en, zh } = errorText(code as GatewayErrorCode);
      expect(en.trim().length, code).toBeGreaterThan(5);
      expect(HAN.test(en), `${code} en`).toBe(false);
      expect(HAN.test(zh), `${code} zh`).toBe(true);
    }
    expect(Object.keys(ZH).sort()).toEqual([...registered].sort());
  });

  it('gives each HTTP error a status in 4xx or 5xx, which HttpError carries', () => {
    for (const [code, { status }] of Object.entries(HTTP_ERRORS)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(new HttpError(code as keyof typeof HTTP_ERRORS, 'x').statusCode).toBe(status);
    }
  });

  it('gives every error the gateway throws a registered code', () => {
    let aqhiProfileError: unknown;
    try {
      selectAqhiProfile({ profile: 'no-such-profile' });
    } catch (err) {
      aqhiProfileError = err;
    }
    const errors: { gatewayCode: string }[] = [
      new ConfigError('MQTT_PORT=x is not a port number'),
      aqhiProfileError as ConfigError,
      ...(['invalid', 'missing_reference', 'in_use', 'not_found', 'loading', 'emergency_open'] as const).map((code) => new RegistryError(code, 'x')),
      ...Object.keys(DELIVERY_ERROR_CODES).map((failure) => new DeliveryError('x', failure as keyof typeof DELIVERY_ERROR_CODES)),
      new FlowActionError('no grid "g9"'),
      new DrillError('x'),
      new ForecastInputError('x'),
    ];
    expect(aqhiProfileError).toBeInstanceOf(ConfigError);
    expect((aqhiProfileError as ConfigError).gatewayCode).toBe('GW_ERR_CONFIG_AQHI_PROFILE');
    for (const err of errors) expect(registered, err.constructor.name).toContain(err.gatewayCode);
    // Every delivery failure maps to its own code, so a timeline's reason never loses its cause.
    expect(new Set(Object.values(DELIVERY_ERROR_CODES)).size).toBe(Object.keys(DELIVERY_ERROR_CODES).length);
  });
});
