import { describe, expect, it } from 'vitest';
import { admitPublish } from '../../broker/acl.js';

// The first stage of a device message, run with no broker: plain client, topic and retain flag.
describe('admitPublish: which PUBLISH the broker takes (CONTRACT.md §2)', () => {
  it.each(['telemetry', 'events', 'status'] as const)('admits a device on its own %s topic', (channel) => {
    expect(admitPublish(false, 'b-1', `devices/b-1/${channel}`, false)).toEqual({ admitted: true, channel, dropRetain: false });
  });

  it('admits a retained device message with its flag to be dropped, not refused', () => {
    expect(admitPublish(false, 'b-1', 'devices/b-1/events', true)).toEqual({ admitted: true, channel: 'events', dropRetain: true });
  });

  it('admits the usual case without a new object per message', () => {
    expect(admitPublish(false, 'b-1', 'devices/b-1/telemetry', false)).toBe(admitPublish(false, 'b-1', 'devices/b-1/telemetry', false));
  });

  it.each([
    ['a topic outside devices/', false, 'b-1', 'alerts/grid/g1', 'not_a_device_topic'],
    ['an unknown channel', false, 'b-1', 'devices/b-1/other', 'not_a_device_topic'],
    ['a deeper topic', false, 'b-1', 'devices/b-1/telemetry/extra', 'not_a_device_topic'],
    ["another device's topic", false, 'b-1', 'devices/b-2/telemetry', 'another_devices_topic'],
    ['a device id sharing a prefix', false, 'b-1', 'devices/b-12/telemetry', 'another_devices_topic'],
    ['its own commands topic', false, 'b-1', 'devices/b-1/commands', 'commands_not_published'],
    ['an app client, even on a device topic', true, 'phone-1', 'devices/phone-1/telemetry', 'app_publishes_nothing'],
    ['an app client on an alerts topic', true, 'phone-1', 'alerts/grid/g1', 'app_publishes_nothing'],
  ])('refuses %s', (_name, fromApp, clientId, topic, code) => {
    const admission = admitPublish(fromApp, clientId, topic, false);
    expect(admission).toMatchObject({ admitted: false, code });
    // The reason names the topic or the rule, for the log of who was refused.
    if (!admission.admitted) expect(admission.reason.length).toBeGreaterThan(10);
  });

  it('refuses a retained message on a wrong topic as wrong, not as retained', () => {
    expect(admitPublish(false, 'b-1', 'devices/b-2/status', true)).toMatchObject({ admitted: false, code: 'another_devices_topic' });
  });
});
