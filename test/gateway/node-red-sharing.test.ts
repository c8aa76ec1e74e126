import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES_LIBRARY_FOLDER } from '../../gateway/node-red/flow-files.js';
import { ADMIN_TOKEN, startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

type FlowNode = Record<string, unknown> & { id: string; type: string };
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const HOME = { lat: 30.2655, lon: 120.1552 };

/** Li Guiying (r1) shares her vitals with workers and nothing else; Zhang Xiuying (r2) shares nothing. */
const PROVISION = {
  ...TEST_PROVISION,
  residents: [
    { id: 'r1', name: 'Li Guiying', grid: 'g1', home: { ...HOME, radiusM: 60 }, conditions: ['copd'], sharing: { vitals: ['worker'] } },
    { id: 'r2', name: 'Zhang Xiuying', grid: 'g2', conditions: [] },
  ],
};

async function deploy(h: Harness, flows: FlowNode[]): Promise<void> {
  const res = await fetch(`${h.httpUrl}/red/flows`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json', 'node-red-deployment-type': 'full' },
    body: JSON.stringify(flows),
  });
  expect(res.status).toBe(204);
}

async function example(h: Harness, name: string, tabId: string): Promise<FlowNode[]> {
  const res = await fetch(`${h.httpUrl}/red/library/local/flows/${EXAMPLES_LIBRARY_FOLDER}/${name}`, { headers: ADMIN });
  expect(res.status).toBe(200);
  return [{ id: tabId, type: 'tab', label: name }, ...((await res.json()) as FlowNode[]).map((n) => ({ ...n, z: tabId }))];
}

/** A flow that posts what one source node receives to the receiver, as an operator's flow would pass it on. */
function postOut(receiver: HttpReceiver, tab: string, source: FlowNode, path: string): FlowNode[] {
  return [
    { id: tab, type: 'tab', label: tab },
    { ...source, z: tab, wires: [[`${tab}-post`]] },
    { id: `${tab}-post`, type: 'http request', z: tab, method: 'POST', ret: 'txt', paytoqs: 'ignore', url: receiver.url(path), wires: [[]] },
  ];
}

const listening = (h: Harness, nodeId: string): boolean => h.gateway.nodeRed.status().listeners.some((l) => l.nodeId === nodeId);

describe('flows get a resident’s data as a grid worker would, under the resident’s sharing choices', () => {
  let receiver: HttpReceiver;
  let h: Harness;

  beforeAll(async () => {
    receiver = await startReceiver();
    h = await startHarness({ provision: PROVISION, overrides: { nodeRed: { enabled: true } } });
  });
  afterAll(async () => {
    await h?.dispose();
    await receiver?.close();
  });

  it('sends readings without what is not shared with workers; the trial rule fires while vitals are shared and not after they are withdrawn', async () => {
    const rule = await example(h, 'custom-rule-for-some-residents', 'tab-rule');
    const probe = { id: 'probe-in', type: 'gateway readings', deviceKind: 'bracelet', devices: 'b-0001', grids: '' };
    await deploy(h, [...rule, ...postOut(receiver, 'tab-probe', probe, '/readings')]);
    const ruleReadings = rule.find((n) => n.type === 'gateway readings')!;
    await waitFor('the flows to listen', () => listening(h, ruleReadings.id) && listening(h, 'probe-in'));

    const bracelet = await h.device('b-0001');
    await bracelet.telemetry({ hr: 125, lat: HOME.lat, lon: HOME.lon, steps: 300 });
    const alert = await waitFor('the trial rule’s alert', async () => (await h.api('GET', '/api/alerts?kind=vitals')).body.alerts[0]);
    expect(alert).toMatchObject({ subject: 'r1', details: { source: 'flow:tab-rule', hr: 125 } });
    const sent = await waitFor('the reading passed on', () => receiver.to('/readings')[0]);
    // Vitals are shared with workers; where she is and how much she moves are not.
    expect((sent.body as { values: object }).values).toEqual({ hr: 125 });
    expect((await h.api('POST', `/api/alerts/${alert.id as string}/resolve`, { note: 'seen' })).status).toBe(200);

    expect((await h.api('PUT', '/api/residents/r1/sharing', { sharing: {}, basis: 'in_person' })).status).toBe(200);
    await bracelet.telemetry({ hr: 131, lat: HOME.lat, lon: HOME.lon });
    // Battery is the bracelet's own upkeep, sent whatever she shares: once it is through, so is the reading before it.
    await bracelet.telemetry({ bat: 64 });
    await waitFor('the battery reading passed on', () => receiver.to('/readings').some((r) => (r.body as { values: { bat?: number } }).values.bat === 64));
    expect(receiver.to('/readings').map((r) => (r.body as { values: object }).values)).toEqual([{ hr: 125 }, { bat: 64 }]);
    expect((await h.api('GET', '/api/alerts?kind=vitals&state=open')).body.alerts).toEqual([]);
  });

  it('sends alerts shaped for a worker: no coordinates of a routine alert she does not share, the location of a fall under the emergency rule', async () => {
    const source = { id: 'alerts-in', type: 'gateway alerts', changes: 'created', kinds: '', grids: 'g2' };
    await deploy(h, postOut(receiver, 'tab-alerts', source, '/alerts'));
    await waitFor('the flow to listen', () => listening(h, 'alerts-in'));
    const raise = (kind: 'wandering' | 'fall', severity: 'medium' | 'critical') =>
      h.gateway.alerting.service.raise({ kind, severity, subject: 'r2', grid: 'g2', details: { lat: 30.271, lon: 120.161, distanceM: 850 }, occurredAtMs: Date.now() });

    const wandering = await raise('wandering', 'medium');
    const routine = await waitFor('the wandering alert passed on', () => receiver.to('/alerts').find((r) => (r.body as { id: string }).id === wandering.id));
    expect(routine.body).toMatchObject({ kind: 'wandering', subject: 'r2' });
    expect((routine.body as { details: object }).details).toEqual({});
    expect(routine.body).not.toHaveProperty('sharedUnder');

    const fall = await raise('fall', 'critical');
    const emergency = await waitFor('the fall passed on', () => receiver.to('/alerts').find((r) => (r.body as { id: string }).id === fall.id));
    expect(emergency.body).toMatchObject({ kind: 'fall', sharedUnder: 'emergency', details: { lat: 30.271, lon: 120.161 } });

    // The alert a flow raises comes back to it shaped the same way.
    await deploy(h, [
      { id: 'tab-raise', type: 'tab', label: 'raise' },
      {
        id: 'raise-start',
        type: 'inject',
        z: 'tab-raise',
        once: true,
        onceDelay: 0.1,
        repeat: '',
        props: [
          { p: 'subject', v: 'r2', vt: 'str' },
          { p: 'details', v: '{"lat":30.272,"lon":120.162,"note":"left the lane"}', vt: 'json' },
        ],
        wires: [['raise-it']],
      },
      { id: 'raise-it', type: 'raise alert', z: 'tab-raise', kind: 'wandering', severity: 'medium', wires: [['raise-post']] },
      { id: 'raise-post', type: 'http request', z: 'tab-raise', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: receiver.url('/raised'), wires: [[]] },
    ]);
    const raised = await waitFor('the raised alert passed on', () => receiver.to('/raised')[0]);
    expect(raised.body).toMatchObject({ kind: 'wandering', subject: 'r2' });
    expect((raised.body as { details: object }).details).toEqual({});
  });
});
