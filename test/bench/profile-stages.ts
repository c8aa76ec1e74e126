import { readFileSync } from 'node:fs';

/*
 * Where a profile's time went, by stage of a device message: `node --import tsx
 * test/bench/profile-stages.ts FILE.cpuprofile [messages]`. A sample counts for the innermost
 * frame on its stack that belongs to a stage (so JSON.stringify called by the readings store is
 * the store's); with `messages`, times are also given per message.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** First match wins: a frame's stage by its file (or, for the VM's own entries, its name). */
const STAGES: [stage: string, test: (f: CallFrame) => boolean][] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
  ['profiler', (f) => f.url === 'node:inspector' || f.url.includes('/test/bench/cpu-windows.ts')],
  ['Node-RED bridge', (f) => f.url.includes('/gateway/node-red/')],
  ['metrics', (f) => f.url.includes('/gateway/metrics') || f.url.includes('/prom-client/')],
  ['auth/ACL', (f) => f.url.includes('/broker/acl.ts') || (f.url.includes('/broker/mqtt-broker.ts') && f.functionName.includes('authorize'))],
  ['decode', (f) => f.url.includes('/sensors/codec.ts') || f.url.includes('/cbor-x/')],
  ['validate', (f) => f.url.includes('/sensors/validate.ts') || f.url.includes('/sensors/kinds.ts')],
  [
    'store',
    (f) => f.url.includes('/gateway/telemetry/') || f.url.includes('/better-sqlite3/') || f.url.includes('/gateway/store/') || f.url.includes('/gateway/ingest/device-state-store.ts'),
  ],
  [
    'evaluate',
    (f) =>
      f.url.includes('/rules/') ||
      f.url.includes('/gateway/evaluate/') ||
      f.url.includes('/gateway/alerts/safety-rules.ts') ||
      f.url.includes('/gateway/aed/') ||
      f.url.includes('/gateway/aqhi/'),
  ],
  ['ingest steps', (f) => f.url.includes('/gateway/ingest/')],
  ['other gateway listeners', (f) => f.url.includes('/gateway/')],
  ['bench harness', (f) => f.url.includes('/test/')],
  [
    'broker routing (aedes publish, mqemitter)',
    (f) => /\/node_modules\/(mqemitter|qlobber)\//.test(f.url) || f.url.endsWith('/aedes/aedes.js') || f.url.endsWith('/aedes/lib/handlers/publish.js'),
  ],
  [
    'socket/parse (aedes, mqtt-packet, streams)',
    (f) =>
      f.url.includes('/broker/') ||
      /\/node_modules\/(aedes|aedes-[a-z-]+|mqtt-packet|mqemitter|bl|readable-stream|fastq|reusify|retimer|end-of-stream|hyperid)\//.test(f.url) ||
      /^node:(net|stream|internal\/(stream|streams|net|stream_base_commons))/.test(f.url),
  ],
];

function stageOf(frame: CallFrame): string | undefined {
  return STAGES.find(([, test]) => test(frame))?.[0];
}

export function summarise(profile: CpuProfile): { total: number; stages: Map<string, number>; functions: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const resolved = new Map<number, string>();
  const stageFor = (id: number): string => {
    const known = resolved.get(id);
    if (known !== undefined) return known;
    const own = stageOf(byId.get(id)!.callFrame);
    const up = parent.get(id);
    const stage = own ?? (up === undefined ? 'other (Node internals, timers)' : stageFor(up));
    resolved.set(id, stage);
    return stage;
  };
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const stages = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const stage = stageFor(id);
    if (stage === 'idle' || stage === 'profiler') continue;
    total += us;
    stages.set(stage, (stages.get(stage) ?? 0) + us);
    const f = byId.get(id)!.callFrame;
    const where = f.url === '' ? '' : ` ${f.url.replace(/^.*\/(node_modules\/|work\/[^/]+\/)/, '')}:${f.lineNumber + 1}`;
    const key = `${f.functionName || '(anonymous)'}${where} [${stage}]`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  return { total, stages, functions };
}

if (import.meta.filename === process.argv[1]) {
  const [file, messagesArg] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-stages.ts FILE.cpuprofile [messages]');
  const { total, stages, functions } = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const messages = messagesArg === undefined ? undefined : Number(messagesArg);
  const line = (name: string, us: number): string =>
    `| ${name} | ${(us / 1000).toFixed(0)} ms | ${((100 * us) / total).toFixed(1)} % |${messages === undefined ? '' : ` ${(us / messages).toFixed(2)} µs |`}`;
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]);
  process.stdout.write(`busy main-thread time ${(total / 1000).toFixed(0)} ms\n\n| stage | time | share |${messages === undefined ? '' : ' per message |'}\n`);
  for (const [name, us] of sorted(stages)) process.stdout.write(`${line(name, us)}\n`);
  process.stdout.write(`\n| function (self time) | time | share |${messages === undefined ? '' : ' per message |'}\n`);
  for (const [name, us] of sorted(functions).slice(0, 30)) process.stdout.write(`${line(name, us)}\n`);
}
