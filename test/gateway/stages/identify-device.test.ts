import { describe, expect, it } from 'vitest';
import { identifyDevice } from '../../../gateway/ingest/stages.js';
import type { DeviceEntity } from '../../../gateway/registry/schemas.js';

describe('identifyDevice: the registered device a message came from', () => {
  const devices = new Map<string, DeviceEntity>([['b-1', { id: 'b-1', kind: 'bracelet', resident: 'r1' }]]);
  const lookup = (id: string): DeviceEntity | undefined => devices.get(id);

  it('gives the device as the registry knows it now', () => {
    expect(identifyDevice('b-1', lookup)).toEqual({ ok: true, value: { id: 'b-1', kind: 'bracelet', resident: 'r1' } });
  });

  it('refuses a device removed from the registry since it connected, with unknown_device', () => {
    expect(identifyDevice('b-9', lookup)).toEqual({ ok: false, rejection: { reason: 'unknown_device', message: 'device is no longer registered' } });
  });
});
