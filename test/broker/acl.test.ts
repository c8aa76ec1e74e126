import { describe, expect, it } from 'vitest';
import { authorizeDevicePublish, authorizeDeviceSubscribe } from '../../broker/acl.js';

describe('device topic ACL (CONTRACT.md §2)', () => {
  it.each([
    ['devices/b-1/telemetry', true],
    ['devices/b-1/events', true],
    ['devices/b-1/status', true],
    ['devices/b-1/commands', false],
    ['devices/b-2/telemetry', false],
    ['devices/b-1/telemetry/extra', false],
    ['devices/b-1/other', false],
    ['alerts/grid/g1', false],
    ['feeds/aqhi/s1', false],
    ['$SYS/broker', false],
    ['devices/b-1', false],
  ])('b-1 publishing to %s: %s', (topic, allowed) => {
    expect(authorizeDevicePublish('b-1', topic).allowed).toBe(allowed);
  });

  it.each([
    ['devices/b-1/commands', true],
    ['devices/b-1/#', false],
    ['devices/+/commands', false],
    ['#', false],
    ['devices/b-2/commands', false],
    ['alerts/grid/g1', false],
  ])('b-1 subscribing to %s: %s', (filter, allowed) => {
    expect(authorizeDeviceSubscribe('b-1', filter)).toBe(allowed);
  });
});
