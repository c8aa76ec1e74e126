import { connect } from 'node:net';
import { RawMqtt, connectPacket } from './raw-mqtt.js';

/**
 * A process of its own that sends wrong MQTT logins, so the flood's own work does not slow the
 * test's measurements. argv: port, count, per second, addresses, known ids (comma-separated).
 * Prints one JSON line: how each CONNECT ended, by CONNACK code or 'closed'.
 */
const [port, count, perSecond, addresses, knownIds] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]), process.argv[6]!.split(',')];

const longId = 'y'.repeat(64 * 1024 - 100);
const packets = [
  (i: number) => connectPacket(`x-${i}`, `x-${i}`, `wrong-${i}`),
  // A 64 KB client id, as MQTT 3.1.1 allows (user name = client id doubles it past the packet limit).
  () => connectPacket(longId, undefined, 'wrong'),
  (i: number) => connectPacket(knownIds[i % knownIds.length]!, knownIds[i % knownIds.length]!, `wrong-${i}`),
];

async function attempt(i: number): Promise<string> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: `127.0.1.${1 + (i % addresses)}` });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const raw = RawMqtt.wrap(socket);
  try {
    raw.write(packets[i % packets.length]!(i));
    const connack = await raw.next(2, 30_000).catch(() => undefined);
    return connack === undefined ? 'closed' : String(connack.body[1]);
  } finally {
    raw.end();
  }
}

const started = performance.now();
const attempts: Promise<string>[] = [];
for (let i = 0; i < count; i++) {
  attempts.push(attempt(i).catch(() => 'closed'));
  if (i % 10 === 9) {
    const due = started + ((i + 1) / perSecond) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
}
const sentMs = performance.now() - started;
const outcomes: Record<string, number> = {};
for (const outcome of await Promise.all(attempts)) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
process.stdout.write(`${JSON.stringify({ sentMs, outcomes })}\n`);
