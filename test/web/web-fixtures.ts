import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import type { Harness } from '../helpers/gateway-harness.js';
import { ADMIN_TOKEN } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * A small community for the web UI: two grids with outlines, a worker for each, residents with
 * homes and family contacts, three AED cabinets, three air stations and two responders. Falls alert
 * at once (no cancel window) so a test need not wait out the 30 s; the tests step the clock hours
 * ahead for the air index, so bracelets count as offline only after a day of silence.
 */
export const WEB_PROVISION = {
  timeZone: 'Asia/Shanghai',
  rules: { fall: { cancelWindowS: 0 }, deviceOffline: { afterS: 86_400 } },
  grids: [
    {
      id: 'g1',
      name: 'Fuxing Lane',
      district: 'd1',
      onDuty: ['w1'],
      backup: ['w3'],
      emergencyGroup: ['v1'],
      boundary: [
        [30.268, 120.153],
        [30.268, 120.158],
        [30.263, 120.158],
        [30.263, 120.153],
      ],
    },
    {
      id: 'g2',
      name: 'Qingbo Gate',
      district: 'd2',
      onDuty: ['w2'],
      boundary: [
        [30.2625, 120.1595],
        [30.2625, 120.1645],
        [30.2585, 120.1645],
        [30.2585, 120.1595],
      ],
    },
  ],
  workers: [
    { id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [] },
    { id: 'w2', name: 'Liu Yang', grids: ['g2'], channels: [] },
    { id: 'w3', name: 'Chen Jing', grids: ['g1'], channels: [] },
  ],
  residents: [
    {
      id: 'r1',
      name: 'Li Guiying',
      grid: 'g1',
      address: 'Building 3, Unit 2, Room 401',
      home: { lat: 30.2655, lon: 120.1552, radiusM: 60 },
      conditions: ['copd', 'hypertension'],
      livesAlone: true,
      contacts: [{ name: 'Li Wei', relation: 'son', channels: [{ type: 'sms', phone: '+8613900000000' }] }],
    },
    { id: 'r3', name: 'Wang Shulan', grid: 'g1', address: 'Building 1, Unit 1, Room 201', home: { lat: 30.2667, lon: 120.1547, radiusM: 60 }, conditions: [] },
    {
      id: 'r2',
      name: 'Zhang Xiuying',
      grid: 'g2',
      address: 'Building 9, Unit 1, Room 101',
      home: { lat: 30.2605, lon: 120.162, radiusM: 60 },
      conditions: ['cardiac'],
      contacts: [{ name: 'Zhang Min', relation: 'daughter', channels: [{ type: 'sms', phone: '+8613900000001' }] }],
    },
  ],
  devices: [
    { id: 'b-0001', kind: 'bracelet', secret: 'secret-b-0001', resident: 'r1' },
    { id: 'b-0002', kind: 'bracelet', secret: 'secret-b-0002', resident: 'r2' },
    { id: 'b-0003', kind: 'bracelet', secret: 'secret-b-0003', resident: 'r3' },
    { id: 'aed-01', kind: 'aed', secret: 'secret-aed-01', aed: 'a1' },
    { id: 'aed-02', kind: 'aed', secret: 'secret-aed-02', aed: 'a2' },
    { id: 'air-01', kind: 'air', secret: 'secret-air-01', station: 's1' },
    { id: 'air-02', kind: 'air', secret: 'secret-air-02', station: 's2' },
    { id: 'air-03', kind: 'air', secret: 'secret-air-03', station: 's3' },
  ],
  aeds: [
    { id: 'a1', lat: 30.2661, lon: 120.1549, grid: 'g1', floor: 'G', description: 'Community health station, left of the entrance', accessHours: '24/7' },
    { id: 'a2', lat: 30.2642, lon: 120.1571, grid: 'g1', description: 'Fuxing Lane market, east gate', accessHours: '24/7' },
    { id: 'a3', lat: 30.2598, lon: 120.1632, grid: 'g2', description: 'Qingbo Gate metro, exit B', accessHours: '24/7' },
  ],
  stations: [
    { id: 's1', name: 'Riverside', lat: 30.27, lon: 120.16, district: 'd1' },
    { id: 's2', name: 'Hillside', lat: 30.2575, lon: 120.1525, district: 'd2' },
    { id: 's3', name: 'Lakeside', lat: 30.2585, lon: 120.1665, district: 'd2' },
  ],
  responders: [
    { id: 'v1', name: 'Zhao Lei', available: true, lat: 30.265, lon: 120.154, channels: [] },
    { id: 'v2', name: 'Sun Li', available: true, lat: 30.2615, lon: 120.1585, channels: [] },
  ],
};

const SECRETS: Record<string, string> = Object.fromEntries(WEB_PROVISION.devices.map((d) => [d.id, d.secret]));

/** A device of WEB_PROVISION over real MQTT (the harness's own `device()` knows only its default provision). */
export async function connectDevice(harness: Harness, id: string): Promise<SimulatedDevice> {
  const secret = SECRETS[id];
  if (secret === undefined) throw new Error(`no device "${id}" in WEB_PROVISION`);
  return SimulatedDevice.connect({ id, secret, url: harness.mqttUrl });
}

/** A fresh token for a worker, bureau or responder account, issued by the admin. */
export async function issueToken(harness: Harness, role: 'worker' | 'bureau' | 'responder' | 'admin', subject?: string): Promise<string> {
  const res = await harness.api('POST', '/api/tokens', { role, ...(subject === undefined ? {} : { subject }) }, ADMIN_TOKEN);
  if (res.status !== 201) throw new Error(`token not issued: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

interface AlertSummary {
  id: string;
  subject: string;
  kind: string;
  state: string;
  grid: string;
}

/** Waits until the gateway holds an alert of this kind about this subject, and returns it. */
export async function alertFor(harness: Harness, subject: string, kind: string): Promise<AlertSummary> {
  return waitFor(`a ${kind} alert about ${subject}`, async () => {
    const res = await harness.api('GET', `/api/alerts?kind=${kind}`);
    return (res.body.alerts as AlertSummary[]).find((a) => a.subject === subject);
  });
}

/** Fixed air samples (µg/m³) that put the HK AQHI in a known band. */
export const AIR = {
  moderate: { no2: 45, so2: 9, o3: 65, pm10: 55, pm25: 32 },
  high: { no2: 180, so2: 30, o3: 160, pm10: 150, pm25: 110 },
  low: { no2: 15, so2: 4, o3: 30, pm10: 20, pm25: 12 },
} as const;
