import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeIdOf } from '../../gateway/cluster/cluster-status.js';
import { ConfigError, loadConfig } from '../../gateway/config/config.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';

describe('GET /api/cluster on a gateway of its own', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ overrides: { nodeId: 'gw-fuxing-1' } });
  });
  afterAll(() => h.stop());

  it('names this instance, when it started and its last heartbeat, holding every partition', async () => {
    const before = Date.now();
    const { status, body } = await h.api('GET', '/api/cluster');
    expect(status).toBe(200);
    expect(body.self).toBe('gw-fuxing-1');
    expect(body.instances).toHaveLength(1);
    const [self] = body.instances;
    expect(self).toMatchObject({ id: 'gw-fuxing-1', partitions: 64, live: true });
    expect(Date.parse(self.startedAt)).toBeLessThanOrEqual(Date.parse(self.lastHeartbeatAt));
    expect(Date.parse(self.lastHeartbeatAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('is for the admin only', async () => {
    expect((await h.api('GET', '/api/cluster', undefined, null)).status).toBe(401);
    const issued = await h.api('POST', '/api/tokens', { role: 'bureau' });
    expect(issued.status).toBe(201);
    expect((await h.api('GET', '/api/cluster', undefined, issued.body.token)).status).toBe(403);
  });
});

describe('cluster configuration', () => {
  it('takes NODE_ID from the environment and a 15 s failover by default', () => {
    const config = loadConfig({ env: { NODE_ID: 'gw-east-2' } });
    expect(config.nodeId).toBe('gw-east-2');
    expect(config.cluster.failoverS).toBe(15);
    expect(loadConfig({ env: {} }).nodeId).toBeUndefined();
    expect(nodeIdOf(undefined, 8080)).toBe(`${os.hostname()}:8080`);
    expect(nodeIdOf('gw-east-2', 8080)).toBe('gw-east-2');
  });

  it('refuses a failover too short to renew a lease in', () => {
    expect(() => loadConfig({ env: {}, overrides: { cluster: { failoverS: 1 } } })).toThrow(ConfigError);
  });
});
