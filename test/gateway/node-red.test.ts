import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EXAMPLES_LIBRARY_FOLDER, nodeRedUserDir } from '../../gateway/node-red/flow-files.js';
import { GATEWAY_NODE_TYPES } from '../../gateway/node-red/gateway-nodes.js';
import { ADMIN_TOKEN, makeDataDir, startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

const NODE_RED_ON = { nodeRed: { enabled: true } };
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const EXAMPLES = EXAMPLES_LIBRARY_FOLDER;

type FlowNode = Record<string, unknown> & { id: string; type: string };

/**
 * The test community with webhooks on a real receiver: w1 on duty in g1, w2 its backup. Both
 * residents share their vitals with workers, so flows (which get what a worker would) see heart rates.
 */
function community(receiver: HttpReceiver) {
  return {
    ...TEST_PROVISION,
    residents: TEST_PROVISION.residents.map((r) => ({ ...r, sharing: { vitals: ['worker'] } })),
    rules: { fall: { cancelWindowS: 0 } },
    grids: [
      { id: 'g1', name: 'Fuxing Lane', district: 'd1', onDuty: ['w1'], backup: ['w2'] },
      { id: 'g2', name: 'Qingbo Gate', district: 'd2', onDuty: ['w2'] },
    ],
    workers: [
      { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] },
      { id: 'w2', name: 'Liu Yang', grids: ['g1', 'g2'], channels: [{ type: 'webhook', url: receiver.url('/w2') }] },
    ],
  };
}

async function red(h: Harness, method: string, url: string, options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(`${h.httpUrl}${url}`, {
    method,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    headers: { ...ADMIN, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

/** A full deploy through Node-RED's admin API, as the editor's Deploy button does it. */
async function deploy(h: Harness, flows: FlowNode[]): Promise<void> {
  const res = await red(h, 'POST', '/red/flows', { body: flows, headers: { 'node-red-deployment-type': 'full' } });
  expect(res.status).toBe(204);
}

function listening(h: Harness, nodeId: string): boolean {
  return h.gateway.nodeRed.status().listeners.some((l) => l.nodeId === nodeId);
}

/** A shipped example from the editor's library, placed on a tab of its own. */
async function exampleOnTab(h: Harness, name: string, tabId: string): Promise<FlowNode[]> {
  const res = await red(h, 'GET', `/red/library/local/flows/${EXAMPLES}/${name}`);
  expect(res.status).toBe(200);
  const nodes = (await res.json()) as FlowNode[];
  return [{ id: tabId, type: 'tab', label: name }, ...nodes.map((n) => ({ ...n, z: tabId }))];
}

async function metricsText(h: Harness): Promise<string> {
  const res = await h.api('GET', '/metrics');
  return res.body as string;
}

function metricValue(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('Node-RED behind the admin login', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ overrides: NODE_RED_ON });
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('answers 401 without the admin login, 403 to other roles, and serves the editor and admin API to the admin token', async () => {
    const page = await fetch(`${h.httpUrl}/red/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('action="/red/login"');
    for (const url of ['/red/flows', '/red/settings', '/red/nodes', '/red/library/local/flows/', '/red/vendor/vendor.js']) {
      const res = await fetch(`${h.httpUrl}${url}`);
      expect(res.status, url).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'GW_ERR_AUTH_MISSING_TOKEN' });
    }
    expect((await fetch(`${h.httpUrl}/red/flows`, { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
    const worker = await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1', label: 'w1 phone' });
    const forbidden = await fetch(`${h.httpUrl}/red/flows`, { headers: { authorization: `Bearer ${worker.body.token as string}` } });
    expect(forbidden.status).toBe(403);

    const editor = await red(h, 'GET', '/red/');
    expect(editor.status).toBe(200);
    expect(editor.headers.get('content-type')).toContain('text/html');
    expect(await editor.text()).toContain('<title>Community health gateway · flows</title>');
    expect((await red(h, 'GET', '/red/flows')).status).toBe(200);
    const settings = await red(h, 'GET', '/red/settings');
    expect(settings.status).toBe(200);
    expect(await settings.json()).toMatchObject({ httpNodeRoot: '/red/api', functionTimeout: 1 });
    const nodes = (await (await red(h, 'GET', '/red/nodes', { headers: { accept: 'application/json' } })).json()) as { types: string[] }[];
    expect(nodes.flatMap((n) => n.types)).toEqual(expect.arrayContaining([...GATEWAY_NODE_TYPES]));
    expect((await fetch(`${h.httpUrl}/readyz`).then((r) => r.json())) as object).toMatchObject({ status: 'ready', checks: { nodeRed: true } });
  });

  it('answers no other origin: no Access-Control-Allow-Origin on the editor, the admin API or a preflight', async () => {
    const origin = { origin: 'https://elsewhere.example' };
    for (const url of ['/red/', '/red/flows', '/red/settings']) {
      const res = await red(h, 'GET', url, { headers: origin });
      expect(res.status, url).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), url).toBeNull();
    }
    const preflight = await red(h, 'OPTIONS', '/red/flows', { headers: { ...origin, 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('logs a browser in with an HttpOnly cookie scoped to /red, and logs it out', async () => {
    const wrong = await fetch(`${h.httpUrl}/red/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope', redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const login = await fetch(`${h.httpUrl}/red/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(ADMIN_TOKEN)}`,
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/red/');
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^gw_red_session=[\w-]+; Path=\/red; HttpOnly; SameSite=Strict; Max-Age=\d+/);
    const cookie = setCookie.split(';')[0]!;

    const editor = await fetch(`${h.httpUrl}/red/`, { headers: { cookie } });
    expect(editor.status).toBe(200);
    expect(await editor.text()).toContain('red/red.min.js');
    expect((await fetch(`${h.httpUrl}/red/settings`, { headers: { cookie } })).status).toBe(200);
    // The cookie opens Node-RED only, not the gateway's API.
    expect((await fetch(`${h.httpUrl}/api/alerts`, { headers: { cookie } })).status).toBe(401);

    const logout = await fetch(`${h.httpUrl}/red/logout`, { headers: { cookie }, redirect: 'manual' });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${h.httpUrl}/red/settings`, { headers: { cookie } })).status).toBe(401);
  });

  it('opens the editor’s comms socket only to the admin login', async () => {
    const open = (headers: Record<string, string>): Promise<string> =>
      new Promise((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${h.ports.http}/red/comms`, { headers });
        socket.once('open', () => {
          socket.close();
          resolve('open');
        });
        socket.once('unexpected-response', (_req, res) => {
          socket.terminate();
          resolve(String(res.statusCode));
        });
        socket.once('error', () => resolve('error'));
      });
    expect(await open({})).toBe('401');
    expect(await open(ADMIN)).toBe('open');
  });

  it('protects the flows’ own endpoints under /red/api and hides gateway credentials from them', async () => {
    await deploy(h, [
      { id: 'tab-http', type: 'tab', label: 'http' },
      { id: 'in-hello', type: 'http in', z: 'tab-http', url: '/hello', method: 'get', wires: [['fn-hello']] },
      {
        id: 'fn-hello',
        type: 'function',
        z: 'tab-http',
        func: "msg.payload = { headers: msg.req.headers, rawHeaders: msg.req.rawHeaders }; return msg;",
        outputs: 1,
        wires: [['out-hello']],
      },
      { id: 'out-hello', type: 'http response', z: 'tab-http', statusCode: '', headers: {}, wires: [] },
    ]);
    // A request that arrives while the flow restarts gets no answer (as in any Node-RED): ask again.
    const seen = await waitFor('the flow’s endpoint', async () => {
      const res = await red(h, 'GET', '/red/api/hello', { signal: AbortSignal.timeout(1000), headers: { cookie: 'theme=dark' } });
      return res.status === 200 ? ((await res.json()) as { headers: Record<string, string>; rawHeaders: string[] }) : undefined;
    });
    expect(seen.headers).toMatchObject({ cookie: 'theme=dark' });
    expect(Object.keys(seen.headers).filter((k) => k === 'authorization' || k.startsWith('x-gateway'))).toEqual([]);
    expect(JSON.stringify(seen)).not.toContain(ADMIN_TOKEN);
    expect((await fetch(`${h.httpUrl}/red/api/hello`)).status).toBe(401);
  });

  it('caps function node time limits on deploy, and refuses form-encoded deploys', async () => {
    await deploy(h, [
      { id: 'tab-slow', type: 'tab', label: 'slow' },
      { id: 'fn-slow', type: 'function', z: 'tab-slow', func: 'return msg;', outputs: 1, timeout: 3600, wires: [] },
      { id: 'fn-none', type: 'function', z: 'tab-slow', func: 'return msg;', outputs: 1, wires: [] },
    ]);
    const flows = (await (await red(h, 'GET', '/red/flows')).json()) as FlowNode[];
    expect(flows.filter((n) => n.type === 'function').map((n) => n.timeout)).toEqual([1, 1]);
    const form = await fetch(`${h.httpUrl}/red/flows`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'flows[0][id]=x&flows[0][type]=function&flows[0][timeout]=3600',
    });
    expect(form.status).toBe(415);
  });

  it('lets the gateway run on, and says so in /readyz, when Node-RED cannot start', async () => {
    // A file where Node-RED's directory should be: its process cannot be given a place to run.
    const dataDir = makeDataDir();
    writeFileSync(nodeRedUserDir(dataDir), 'not a directory');
    const second = await startHarness({ dataDir, overrides: NODE_RED_ON });
    try {
      expect(second.gateway.nodeRed.status()).toMatchObject({ state: 'failed', error: expect.stringContaining('could not be prepared') });
      const ready = await second.api('GET', '/readyz', undefined, null);
      expect(ready).toMatchObject({ status: 200, body: { status: 'ready', checks: { broker: true, store: true, nodeRed: false } } });
      const flows = await red(second, 'GET', '/red/flows');
      expect(flows.status).toBe(503);
      expect(await flows.json()).toMatchObject({ error: 'GW_ERR_HTTP_NOT_READY' });
      expect((await fetch(`${second.httpUrl}/red/flows`)).status).toBe(401);
      const bracelet = await second.device('b-0001');
      await bracelet.telemetry({ hr: 80 });
      await waitFor('the reading stored', async () => (await second.api('GET', '/api/devices/b-0001/readings')).body.readings.length === 1);
    } finally {
      await second.dispose();
    }
    expect(h.gateway.nodeRed.status().state).toBe('running');
  });

  it('ships example flows in the editor’s library', async () => {
    const res = await red(h, 'GET', `/red/library/local/flows/${EXAMPLES}`);
    expect(res.status).toBe(200);
    const names = ((await res.json()) as { fn?: string }[]).map((e) => e.fn);
    expect(names.sort()).toEqual(['aqhi-to-webhook.json', 'custom-rule-for-some-residents.json', 'night-cabinet-opening-to-property-manager.json']);
  });
});

describe('flows on live gateway data', () => {
  let receiver: HttpReceiver;
  let h: Harness;

  beforeAll(async () => {
    receiver = await startReceiver();
    // A low limit on messages between a flow's nodes, so the looping flow below trips it at once on any machine.
    h = await startHarness({ provision: community(receiver), overrides: { nodeRed: { enabled: true, hopsPerSecondPerFlow: 100 } } });
  });
  afterAll(async () => {
    await h?.dispose();
    await receiver?.close();
  });

  it('runs a deployed flow on live readings: it raises an alert through the alert service, which is paged like any other', async () => {
    const rule = await exampleOnTab(h, 'custom-rule-for-some-residents', 'tab-rule');
    await deploy(h, [
      ...rule,
      { id: 'tab-notify', type: 'tab', label: 'notify the backup' },
      { id: 'alerts-vitals', type: 'gateway alerts', z: 'tab-notify', changes: 'created', kinds: 'vitals', grids: '', wires: [['page-w2']] },
      { id: 'page-w2', type: 'send page', z: 'tab-notify', recipients: 'w2', role: 'flow test', wires: [[]] },
    ]);
    const readings = rule.find((n) => n.type === 'gateway readings')!;
    await waitFor('the flows to listen', () => listening(h, readings.id) && listening(h, 'alerts-vitals'));

    const bracelet = await h.device('b-0001');
    await bracelet.telemetry({ hr: 96 });
    await bracelet.telemetry({ hr: 125 });

    const alert = await waitFor('the flow’s alert', async () => (await h.api('GET', '/api/alerts?kind=vitals')).body.alerts[0]);
    expect(alert).toMatchObject({ kind: 'vitals', severity: 'high', state: 'open', subject: 'r1', grid: 'g1' });
    expect(alert.details).toMatchObject({ source: 'flow:tab-rule', rule: 'trial: heart rate above 110', hr: 125 });
    // Paged like a built-in alert: the grid's on-duty worker first.
    const page = await waitFor('the page to w1', () => receiver.to('/w1')[0]);
    expect(page.body).toMatchObject({ type: 'page', alert: { id: alert.id, kind: 'vitals' } });
    // The second flow heard the alert being created and paged the backup through the pager.
    const notice = await waitFor('the flow’s page to w2', () => receiver.to('/w2')[0]);
    expect(notice.body).toMatchObject({ type: 'page', reason: 'notice', alert: { id: alert.id } });
    const delivered = (body: { timeline: { type: string; to?: string }[] }): string[] => body.timeline.flatMap((e) => (e.type === 'delivered' ? [e.to!] : [])).sort();
    await waitFor('both deliveries on the timeline', async () => delivered((await h.api('GET', `/api/alerts/${alert.id as string}`)).body).length === 2);
    expect(delivered((await h.api('GET', `/api/alerts/${alert.id as string}`)).body)).toEqual(['w1', 'w2']);
    expect(receiver.to('/w1')).toHaveLength(1);
  });

  it('hands index updates to flows, which can post them out with Node-RED’s own nodes', async () => {
    await deploy(h, [
      { id: 'tab-aqhi', type: 'tab', label: 'index out' },
      { id: 'aqhi-in', type: 'aqhi updates', z: 'tab-aqhi', stations: 's1', finalOnly: false, wires: [['aqhi-post']] },
      { id: 'aqhi-post', type: 'http request', z: 'tab-aqhi', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: receiver.url('/chat'), wires: [[]] },
    ]);
    await waitFor('the flow to listen', () => listening(h, 'aqhi-in'));
    const air = await h.device('air-01');
    await air.telemetry({ pm25: 35, pm10: 50, o3: 60, no2: 40, so2: 5 }, 1);
    const post = await waitFor('the index update posted', () => receiver.to('/chat')[0]);
    expect(post.body).toMatchObject({ stationId: 's1', provisional: true });
  });

  it('keeps ingestion and a fall’s page going while one flow throws on every message, one loops and one never returns', async () => {
    await deploy(h, [
      { id: 'tab-throws', type: 'tab', label: 'throws' },
      { id: 'throws-readings', type: 'gateway readings', z: 'tab-throws', deviceKind: '', devices: '', grids: '', wires: [['throws-fn']] },
      { id: 'throws-events', type: 'gateway events', z: 'tab-throws', deviceKind: '', devices: '', grids: '', eventTypes: '', wires: [['throws-fn']] },
      { id: 'throws-fn', type: 'function', z: 'tab-throws', func: "throw new Error('boom');", outputs: 1, wires: [] },
      { id: 'tab-hangs', type: 'tab', label: 'never returns' },
      { id: 'hangs-readings', type: 'gateway readings', z: 'tab-hangs', deviceKind: 'bracelet', devices: '', grids: '', wires: [['hangs-fn']] },
      { id: 'hangs-fn', type: 'function', z: 'tab-hangs', func: 'while (true) {}', outputs: 1, wires: [] },
      { id: 'tab-loops', type: 'tab', label: 'loops' },
      { id: 'loops-start', type: 'inject', z: 'tab-loops', once: true, onceDelay: 0.1, repeat: '', topic: '', payload: '', payloadType: 'date', wires: [['loops-fn']] },
      { id: 'loops-fn', type: 'function', z: 'tab-loops', func: 'return msg;', outputs: 1, wires: [['loops-fn']] },
    ]);
    await waitFor('the flows to listen', () => ['throws-readings', 'throws-events', 'hangs-readings'].every((id) => listening(h, id)));
    const before = receiver.to('/w1').length;

    const bracelet = await h.device('b-0002');
    const sent = 8;
    for (let i = 0; i < sent; i += 1) await bracelet.telemetry({ hr: 70 + i }, 1);
    const fallen = await h.device('b-0001');
    await fallen.event({ type: 'fall', confidence: 0.93, lat: 30.2656, lon: 120.1551 });

    const page = await waitFor('the fall’s page', () => receiver.to('/w1').slice(before).find((r) => r.body?.alert?.kind === 'fall'));
    expect(page.body.alert).toMatchObject({ kind: 'fall', severity: 'critical', subject: 'r1' });
    const stored = await waitFor('every reading stored', async () => {
      const res = await h.api('GET', '/api/devices/b-0002/readings');
      return res.body.readings.length >= sent ? (res.body.readings as { hr: number }[]) : undefined;
    });
    expect(stored.map((r) => r.hr).sort()).toEqual([70, 71, 72, 73, 74, 75, 76, 77]);

    // The failures are counted; the flows that blocked and that looped are taken out of service.
    await waitFor('the looping flow to be paused', () => h.gateway.nodeRed.status().pausedFlows.includes('tab-loops'));
    const metrics = await waitFor('the flows’ failures in the metrics', async () => {
      const text = await metricsText(h);
      return metricValue(text, 'gateway_node_red_flow_errors_total', 'flow="tab-throws"') >= sent + 1 ? text : undefined;
    });
    expect(metricValue(metrics, 'gateway_node_red_flow_pauses_total', 'flow="tab-hangs",reason="timeout"')).toBe(1);
    expect(metricValue(metrics, 'gateway_node_red_flow_errors_total', 'flow="tab-hangs"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'gateway_node_red_flow_pauses_total', 'flow="tab-loops",reason="runaway"')).toBe(1);
    expect(h.gateway.nodeRed.status().pausedFlows.sort()).toEqual(['tab-hangs', 'tab-loops']);
    expect(metricValue(metrics, 'gateway_node_red_messages_dropped_total', 'reason="flow_paused"')).toBeGreaterThan(0);
    expect(await h.api('GET', '/readyz', undefined, null)).toMatchObject({ status: 200, body: { checks: { nodeRed: true } } });
  });
});

describe('flows across a restart', () => {
  let receiver: HttpReceiver;
  const dataDir = makeDataDir();
  let h: Harness | undefined;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await h?.dispose();
    await receiver?.close();
  });

  it('keeps flows and their encrypted credentials in Node-RED’s directory and runs them again after a restart', async () => {
    const provision = community(receiver);
    h = await startHarness({ dataDir, provision, overrides: NODE_RED_ON });
    const rule = await exampleOnTab(h, 'custom-rule-for-some-residents', 'tab-rule');
    await deploy(h, [
      ...rule,
      { id: 'tab-out', type: 'tab', label: 'outbound' },
      {
        id: 'post-out',
        type: 'http request',
        z: 'tab-out',
        method: 'POST',
        ret: 'txt',
        paytoqs: 'ignore',
        url: receiver.url('/outbound'),
        authType: 'basic',
        credentials: { user: 'gateway', password: 'secret-pw-123' },
        wires: [[]],
      },
    ]);
    const deployed = (await (await red(h, 'GET', '/red/flows')).json()) as FlowNode[];
    const credentialsFile = readFileSync(path.join(nodeRedUserDir(dataDir), 'flows_cred.json'), 'utf8');
    expect(credentialsFile).not.toContain('secret-pw-123');
    expect(JSON.parse(credentialsFile)).toHaveProperty('$');
    await h.stop();

    h = await startHarness({ dataDir, provision, overrides: NODE_RED_ON });
    expect(h.gateway.nodeRed.status().state).toBe('running');
    expect((await (await red(h, 'GET', '/red/flows')).json()) as FlowNode[]).toEqual(deployed);
    const credentials = await red(h, 'GET', '/red/credentials/http-request/post-out');
    expect(await credentials.json()).toEqual({ user: 'gateway', has_password: true });

    const readings = rule.find((n) => n.type === 'gateway readings')!;
    await waitFor('the restored flow to listen', () => listening(h!, readings.id));
    const bracelet = await h.device('b-0001');
    await bracelet.telemetry({ hr: 128 });
    const alert = await waitFor('the restored flow’s alert', async () => (await h!.api('GET', '/api/alerts?kind=vitals')).body.alerts[0]);
    expect(alert.details).toMatchObject({ source: 'flow:tab-rule', hr: 128 });
  });
});
