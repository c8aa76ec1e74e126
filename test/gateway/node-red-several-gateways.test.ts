import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FILE, nodeRedUserDir } from '../../gateway/node-red/flow-files.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait-for.js';

interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

/** A tab with a note on it, as a bureau analyst would start a flow. */
function flowWith(note: string): FlowNode[] {
  return [
    { id: 'tab-aqhi', type: 'tab', label: 'Index notices' },
    { id: 'note-1', type: 'comment', z: 'tab-aqhi', name: note, info: '', x: 200, y: 80, wires: [] },
  ];
}

async function deploy(h: Harness, flows: FlowNode[]): Promise<void> {
  const res = await fetch(`${h.httpUrl}/red/flows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'node-red-deployment-type': 'full' },
    body: JSON.stringify(flows),
  });
  expect(res.status).toBe(204);
}

/** The flows Node-RED runs now, as its editor loads them. */
async function running(h: Harness): Promise<FlowNode[]> {
  const res = await fetch(`${h.httpUrl}/red/flows`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as FlowNode[];
}

const noteOf = (flows: FlowNode[]): unknown => flows.find((n) => n.id === 'note-1')?.name;

// Several gateways on one PostgreSQL run the same Node-RED flows: a deploy through any gateway's
// editor is run by every one, and a gateway started later, with an empty directory, starts with them.
describe.skipIf(!postgresAvailable())('Node-RED flows shared by several gateways', () => {
  const server = new PostgresServer();
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(() => server.start(), 120_000);
  afterAll(() => server.stop());
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function gateway(url: string, nodeId: string): Promise<Harness> {
    const h = await startHarness({ overrides: { databaseUrl: url, nodeId, nodeRed: { enabled: true } } });
    cleanup.push(() => h.dispose());
    await waitFor(`Node-RED running on ${nodeId}`, () => h.gateway.nodeRed.status().state === 'running', 90_000);
    return h;
  }

  it('a deploy on one gateway is run by the others, both ways, and a gateway started later starts with it', async () => {
    const url = await server.createDatabase(`shared_flows_${process.pid}`);
    const db = server.pool(url);
    cleanup.push(() => db.end());
    const [east, west] = [await gateway(url, 'east'), await gateway(url, 'west')];

    await deploy(east, flowWith('PM2.5 above 75: tell the grid workers'));
    await waitFor('west runs the flow deployed on east', async () => noteOf(await running(west)) === 'PM2.5 above 75: tell the grid workers', 60_000);
    const stored = await db.query<{ revision: string; updated_by: string; flows: string }>('SELECT revision, updated_by, flows FROM node_red_flows');
    expect(stored.rows[0]).toMatchObject({ updated_by: 'east' });
    // West wrote east's flows into its own directory, as Node-RED keeps them.
    expect(noteOf(JSON.parse(readFileSync(path.join(nodeRedUserDir(west.dataDir), FLOW_FILE), 'utf8')) as FlowNode[])).toBe('PM2.5 above 75: tell the grid workers');

    await deploy(west, flowWith('PM2.5 above 115: tell the grid workers and the families'));
    await waitFor('east runs the flow changed on west', async () => noteOf(await running(east)) === 'PM2.5 above 115: tell the grid workers and the families', 60_000);
    const after = await db.query<{ revision: string; updated_by: string }>('SELECT revision, updated_by FROM node_red_flows');
    expect(after.rows[0]!.updated_by).toBe('west');
    // Each deploy stored once: taking the other's flows is not a deploy of one's own.
    expect(Number(after.rows[0]!.revision)).toBe(Number(stored.rows[0]!.revision) + 1);

    const north = await gateway(url, 'north');
    expect(noteOf(await running(north))).toBe('PM2.5 above 115: tell the grid workers and the families');
    const final = await db.query<{ revision: string }>('SELECT revision FROM node_red_flows');
    expect(final.rows[0]!.revision).toBe(after.rows[0]!.revision);
  }, 300_000);
});
