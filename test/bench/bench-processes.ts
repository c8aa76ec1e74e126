import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { encodeCbor } from '../../sensors/index.js';
import type { LoadJob, PublishResult } from './load-process.js';

/** A bracelet's reading as the load generators send it. */
export const PAYLOAD = encodeCbor({ ts: Date.now(), hr: 72, spo2: 97, motion: 0.4, worn: true, bat: 80 });

/** A process of the benchmark's own that takes a job over IPC and answers it with one message. */
export class JobProcess<Job extends object> {
  protected readonly child: ChildProcess;
  constructor(script: string, execArgv: string[] = ['--import', 'tsx']) {
    this.child = fork(path.join(import.meta.dirname, script), [], { execArgv, stdio: 'inherit' });
  }
  run<T>(job: Job): Promise<T> {
    return new Promise((resolve) => {
      this.child.once('message', (m) => resolve(m as T));
      this.child.send(job);
    });
  }
  close(): void {
    this.child.kill();
  }
}

/** The load generator in its own process. */
export class LoadGenerator extends JobProcess<LoadJob> {
  constructor() {
    super('load-process.ts');
  }
  get pid(): number {
    return this.child.pid!;
  }
  /** Ends the running publish job now. */
  stopPublishing(): void {
    this.child.send({ type: 'stop' } satisfies LoadJob);
  }
  /**
   * A publish job that says where it is: `connected` resolves once its devices are connected,
   * `publishing` once it starts sending (after the job's `idleMs`), `done` at the end.
   */
  publishAnnounced(job: Extract<LoadJob, { type: 'publish' }>): { connected: Promise<void>; publishing: Promise<void>; done: Promise<PublishResult> } {
    let connected!: () => void;
    let publishing!: () => void;
    const announced = new Promise<void>((resolve) => (connected = resolve));
    const started = new Promise<void>((resolve) => (publishing = resolve));
    const done = new Promise<PublishResult>((resolve) => {
      const onMessage = (m: unknown): void => {
        const type = (m as { type: string }).type;
        if (type === 'connected') return connected();
        if (type === 'publishing') return publishing();
        this.child.off('message', onMessage);
        resolve(m as PublishResult);
      };
      this.child.on('message', onMessage);
      this.child.send({ ...job, announceConnected: true });
    });
    return { connected: announced, publishing: started, done };
  }
}

export function bracelets(n: number, prefix = 'b'): { id: string; secret: string; resident: string }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${String(i).padStart(5, '0')}`, secret: `bench-secret-${prefix}-${i}`, resident: `${prefix}r${i}` }));
}

export function benchProvision(devices: { id: string; secret: string; resident: string }[], webhook?: string, familyWebhook?: string): object {
  // A fall pages the family in the first step with the worker (README): their page is timed too.
  // A new list for each resident: one shared object would be written as YAML aliases.
  const contacts = (): object[] => (familyWebhook === undefined ? [] : [{ id: 'fam', name: 'Bench son', relation: 'son', channels: [{ type: 'webhook', url: familyWebhook }] }]);
  return {
    rules: { fall: { cancelWindowS: 0 } },
    grids: [{ id: 'g1', name: 'Bench grid', onDuty: ['w1'] }],
    workers: [{ id: 'w1', name: 'Bench worker', grids: ['g1'], channels: webhook === undefined ? [] : [{ type: 'webhook', url: webhook }] }],
    residents: devices.map((d) => ({ id: d.resident, name: `Resident ${d.resident}`, grid: 'g1', home: { lat: 30.2655, lon: 120.1552, radiusM: 60 }, contacts: contacts() })),
    devices: devices.map((d) => ({ id: d.id, kind: 'bracelet', secret: d.secret, resident: d.resident })),
    aeds: [{ id: 'a1', lat: 30.2661, lon: 120.1549, grid: 'g1', accessHours: '24/7' }],
  };
}

