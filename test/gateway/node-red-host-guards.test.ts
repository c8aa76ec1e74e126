import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { excludedCoreNodes, scrubSecretEnvironment } from '../../gateway/node-red/host-guards.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('scrubSecretEnvironment', () => {
  it('removes the contract’s secrets and anything named like one, and keeps the rest', () => {
    const env = { ADMIN_TOKEN: 'a', INFLUX_TOKEN: 'b', REDIS_URL: 'redis://:pw@h', DATABASE_URL: 'postgres://u:p@h/db', SMS_API_KEY: 'c', GATEWAY_SECRET: 'd', DB_PASSWORD: 'e', HOME: '/root', PATH: '/bin', TZ: 'Asia/Shanghai' };
    expect(scrubSecretEnvironment(env)).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'DB_PASSWORD', 'GATEWAY_SECRET', 'INFLUX_TOKEN', 'REDIS_URL', 'SMS_API_KEY']);
    expect(env).toEqual({ HOME: '/root', PATH: '/bin', TZ: 'Asia/Shanghai' });
  });

  it('leaves out every host-reaching core node unless enabled', () => {
    expect(excludedCoreNodes([])).toEqual(['90-exec.js', '10-file.js', '23-watch.js']);
    expect(excludedCoreNodes(['exec', 'watch'])).toEqual(['10-file.js']);
  });
});

describe('a flow in the gateway’s Node-RED', () => {
  let h: Harness;
  beforeAll(async () => {
    // As `npm start` would have them: secrets in the environment of the process.
    process.env.ADMIN_TOKEN = ADMIN_TOKEN;
    process.env.INFLUX_TOKEN = 'influx-token-from-the-environment';
    process.env.SMS_GATEWAY_API_KEY = 'sms-key-from-the-environment';
    h = await startHarness({ overrides: { nodeRed: { enabled: true } } });
    await waitFor('Node-RED running', () => h.gateway.nodeRed.status().state === 'running', 60_000);
  }, 90_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it('cannot read a secret from the environment with env.get', async () => {
    const deployed = await fetch(`${h.httpUrl}/red/flows`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json', 'node-red-deployment-type': 'full' },
      body: JSON.stringify([
        { id: 'tab-env', type: 'tab', label: 'env' },
        { id: 'in-env', type: 'http in', z: 'tab-env', url: '/env', method: 'get', wires: [['fn-env']] },
        {
          id: 'fn-env',
          type: 'function',
          z: 'tab-env',
          func: "msg.payload = { admin: env.get('ADMIN_TOKEN') ?? null, influx: env.get('INFLUX_TOKEN') ?? null, sms: env.get('SMS_GATEWAY_API_KEY') ?? null, path: env.get('PATH') ?? null }; return msg;",
          outputs: 1,
          wires: [['out-env']],
        },
        { id: 'out-env', type: 'http response', z: 'tab-env', statusCode: '', headers: {}, wires: [] },
      ]),
    });
    expect(deployed.status).toBe(204);
    const seen = await waitFor('the flow answering', async () => {
      const res = await fetch(`${h.httpUrl}/red/api/env`, { headers: ADMIN });
      return res.status === 200 ? ((await res.json()) as Record<string, string | null>) : undefined;
    });
    expect(seen).toEqual({ admin: null, influx: null, sms: null, path: expect.any(String) });
    expect(process.env.ADMIN_TOKEN).toBeUndefined();
  });

  it('has no exec, file or watch node unless the configuration enables them', async () => {
    const res = await fetch(`${h.httpUrl}/red/nodes`, { headers: { ...ADMIN, accept: 'application/json' } });
    const types = ((await res.json()) as { types: string[] }[]).flatMap((n) => n.types);
    expect(types).toEqual(expect.arrayContaining(['function', 'http request', 'gateway alerts']));
    for (const type of ['exec', 'file', 'file in', 'watch']) expect(types).not.toContain(type);
  });
});
