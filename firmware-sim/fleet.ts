import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { DEFAULT_FLEET_MIX, generateFleetProvision, parseFleetMix } from './fleet-provision.js';
import { progressLine, startFleet, summaryLines, type FleetEncoding } from './fleet-runner.js';
import { readProvisionFile } from './sim-provision.js';

const USAGE = `The fleet load generator.

  npm run fleet -- generate --count N --out FILE [--mix bracelet=90,aed=3,air=7] [--prefix fleet] [--seed fleet]
      writes a provision file (YAML, or JSON if FILE ends in .json) with N devices and their
      residents, AEDs and stations; start the gateway with PROVISION=FILE

  npm run fleet -- run --url mqtt://HOST:PORT --provision FILE [options]
      --devices N        the first N devices of the file (default all)
      --rate N           telemetry messages per second over the fleet (default: one per device per 10 s)
      --qos 0|1          telemetry QoS (default 0; events and status are always QoS 1)
      --encoding E       cbor, json or mixed (default cbor)
      --ramp N           new connections per second (default 500)
      --concurrency N    connection attempts under way at once (default 200)
      --duration S       stop after S seconds (default: until Ctrl-C, or --messages)
      --messages N       stop after N telemetry messages
      --local-addresses A,B   source addresses to spread connections over (about 28,000 per address)

  A progress line at most once a second; a summary at the end, also on Ctrl-C.
  Beyond a few thousand connections, raise the open-file limit (ulimit -n).`;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

class UsageError extends Error {}

function positiveInt(name: string, raw: string | undefined, fallback?: number): number {
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got ${raw}`);
  return n;
}

function generate(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { count: { type: 'string' }, out: { type: 'string' }, mix: { type: 'string' }, prefix: { type: 'string', default: 'fleet' }, seed: { type: 'string', default: 'fleet' } },
  });
  const count = positiveInt('count', values.count);
  if (values.out === undefined) throw new UsageError('--out is required');
  const mix = values.mix === undefined ? DEFAULT_FLEET_MIX : parseFleetMix(values.mix);
  const provision = generateFleetProvision({ count, mix, prefix: values.prefix, seed: values.seed });
  mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
  writeFileSync(values.out, values.out.endsWith('.json') ? JSON.stringify(provision) : YAML.stringify(provision));
  const devices = provision.devices as { kind: string }[];
  const byKind = (kind: string): number => devices.filter((d) => d.kind === kind).length;
  out(`wrote ${values.out}: ${count} devices (bracelet ${byKind('bracelet')}, aed ${byKind('aed')}, air ${byKind('air')})`);
  out(`start the gateway with it:  PROVISION=${values.out} npm start`);
  return 0;
}

async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      provision: { type: 'string' },
      devices: { type: 'string' },
      rate: { type: 'string' },
      qos: { type: 'string', default: '0' },
      encoding: { type: 'string', default: 'cbor' },
      ramp: { type: 'string' },
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      messages: { type: 'string' },
      'local-addresses': { type: 'string' },
    },
  });
  if (values.url === undefined) throw new UsageError('--url is required');
  if (values.provision === undefined) throw new UsageError('--provision is required (make one with: fleet generate)');
  if (values.qos !== '0' && values.qos !== '1') throw new UsageError(`--qos must be 0 or 1, got ${values.qos}`);
  if (!['cbor', 'json', 'mixed'].includes(values.encoding)) throw new UsageError(`--encoding must be cbor, json or mixed, got ${values.encoding}`);
  const provision = readProvisionFile(values.provision);
  const deviceCount = Math.min(provision.devices.length, positiveInt('devices', values.devices, provision.devices.length));
  const fleet = startFleet({
    url: values.url,
    provision,
    deviceCount,
    ratePerS: positiveInt('rate', values.rate, Math.max(1, Math.round(deviceCount / 10))),
    qos: values.qos === '1' ? 1 : 0,
    encoding: values.encoding as FleetEncoding,
    rampPerS: positiveInt('ramp', values.ramp, 500),
    connectConcurrency: positiveInt('concurrency', values.concurrency, 200),
    ...(values.duration === undefined ? {} : { durationS: positiveInt('duration', values.duration) }),
    ...(values.messages === undefined ? {} : { messages: positiveInt('messages', values.messages) }),
    ...(values['local-addresses'] === undefined ? {} : { localAddresses: values['local-addresses'].split(',').map((a) => a.trim()) }),
    onProgress: (p) => out(progressLine(p)),
  });
  let interrupted = 0;
  const onSignal = (): void => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    out('[fleet] stopping: waiting for messages in flight, then disconnecting (Ctrl-C again to quit at once)');
    void fleet.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const summary = await fleet.done;
  for (const line of summaryLines(summary)) out(line);
  return summary.connectFailures > 0 || summary.errors > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'generate') return generate(rest);
  if (command === 'run') return run(rest);
  throw new UsageError(`unknown command "${command}"`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      process.stderr.write(`fleet: ${(err as Error).message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`fleet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
