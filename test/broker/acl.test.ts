import { describe, expect, it } from 'vitest';
import { authorizeAppPublish, authorizeAppSubscribe, authorizeDevicePublish, authorizeDeviceSubscribe, isAppLogin, type AppClient } from '../../broker/acl.js';

describe('device topic ACL (CONTRACT.md §2)', () => {
  it.each([
    ['devices/b-1/telemetry', true],
    ['devices/b-1/events', true],
    ['devices/b-1/status', true],
    ['devices/b-1/commands', false],
    ['devices/b-2/telemetry', false],
    ['devices/b-1/telemetry/extra', false],
    ['devices/b-12/telemetry', false],
    ['devices/b-1x/telemetry', false],
    ['devices/b-/telemetry', false],
    ['devices/b-1/', false],
    ['devices/b-1', false],
    ['devices//b-1/telemetry', false],
    ['Devices/b-1/telemetry', false],
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

describe('app client topic ACL (API token logins)', () => {
  const admin: AppClient = { role: 'admin', subject: null, grids: [] };
  const bureau: AppClient = { role: 'bureau', subject: null, grids: [] };
  const w1: AppClient = { role: 'worker', subject: 'w1', grids: ['g1', 'g3'] };
  const v1: AppClient = { role: 'responder', subject: 'v1', grids: [] };
  const clients = { admin, bureau, w1, v1 };

  it.each([
    // The index feed: anyone logged in, one station or all of them.
    ['bureau', 'feeds/aqhi/s1', true],
    ['bureau', 'feeds/aqhi/+', true],
    ['w1', 'feeds/aqhi/s1', true],
    ['v1', 'feeds/aqhi/+', true],
    ['bureau', 'feeds/aqhi/#', false],
    ['bureau', 'feeds/#', false],
    ['bureau', 'feeds/aqhi/s1/extra', false],
    ['bureau', 'feeds/aqhi/bad id', false],
    // Daily reports and forecasts, per station and per district.
    ['w1', 'feeds/aqhi/s1/daily', true],
    ['bureau', 'feeds/aqhi/+/forecast', true],
    ['bureau', 'feeds/aqhi/district/d1/daily', true],
    ['bureau', 'feeds/aqhi/district/+/forecast', false],
    ['bureau', 'feeds/aqhi/s1/daily/x', false],
    ['bureau', 'feeds/aqhi/#/daily', false],
    // Grid alerts: a worker's own grids; admin any grid and the wildcard.
    ['w1', 'alerts/grid/g1', true],
    ['w1', 'alerts/grid/g3', true],
    ['w1', 'alerts/grid/g2', false],
    ['w1', 'alerts/grid/+', false],
    ['w1', 'alerts/#', false],
    ['admin', 'alerts/grid/g2', true],
    ['admin', 'alerts/grid/+', true],
    ['admin', 'alerts/grid/#', false],
    ['bureau', 'alerts/grid/g1', false],
    ['v1', 'alerts/grid/g1', false],
    // Personal alerts: only one's own, and only for workers and responders.
    ['w1', 'alerts/person/w1', true],
    ['w1', 'alerts/person/w2', false],
    ['w1', 'alerts/person/+', false],
    ['v1', 'alerts/person/v1', true],
    ['admin', 'alerts/person/w1', false],
    ['bureau', 'alerts/person/+', false],
    // Nothing of the devices' topics, nor the broker's own.
    ['admin', 'devices/b-1/telemetry', false],
    ['admin', 'devices/+/commands', false],
    ['admin', '#', false],
    ['bureau', '$SYS/#', false],
    ['admin', '$share/g/feeds/aqhi/+', false],
  ] as const)('%s subscribing to %s: %s', (who, filter, allowed) => {
    const decision = authorizeAppSubscribe(clients[who], filter);
    expect(decision.allowed).toBe(allowed);
    if (!decision.allowed) expect(decision.reason.length).toBeGreaterThan(0);
  });

  it('a worker with no grids may not subscribe to any grid', () => {
    expect(authorizeAppSubscribe({ role: 'worker', subject: 'w9', grids: [] }, 'alerts/grid/g1').allowed).toBe(false);
  });

  it('a worker token without a subject has no personal topic', () => {
    expect(authorizeAppSubscribe({ role: 'worker', subject: null, grids: [] }, 'alerts/person/null').allowed).toBe(false);
  });

  it('refuses every publish from an app client, saying why', () => {
    for (const topic of ['feeds/aqhi/s1', 'alerts/grid/g1', 'devices/b-1/telemetry']) {
      const decision = authorizeAppPublish(topic);
      expect(decision.allowed).toBe(false);
      expect(decision.reason).toContain(topic);
    }
  });

  it.each([
    ['phone-1', 'token', true],
    ['b-1', 'b-1', false],
    ['phone-1', undefined, false],
    ['phone-1', 'Token', false],
    // A device whose id is "token" still logs in as a device.
    ['token', 'token', false],
  ] as const)('client id %s with user name %s is an app login: %s', (clientId, username, expected) => {
    expect(isAppLogin(clientId, username)).toBe(expected);
  });
});
