import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { BridgeChannel, type ChildMessage, type GatewayMessage } from './bridge-channel.js';
import { CHILD_SCRIPT, childEnvironment, permissionFlags, type ChildUser } from './child-user.js';
import type { HostAccessNode } from './host-guards.js';
import { ThrottledLog } from './throttled-log.js';

/** Why a running Node-RED process was replaced. */
export type RestartReason = 'exited' | 'hung' | 'bridge';

export interface NodeRedProcessOptions {
  userDir: string;
  user: ChildUser;
  hostAccessNodes: readonly HostAccessNode[];
  /** Sent first over the bridge: what the child needs to start (settings, proofs, limits). */
  init: () => Record<string, unknown>;
  startTimeoutMs: number;
  /** The child beats every second; this long without a beat and it is killed (a flow blocked it). */
  heartbeatTimeoutMs: number;
  restartBackoffMaxMs: number;
  log: Logger;
  onMessage(message: ChildMessage): void;
  onRefused(reason: string): void;
  /** Started (first time or again): the port its HTTP server listens on, on 127.0.0.1. */
  onUp(port: number, version: string): void;
  /** Gone (crashed, hung or stopped); `restartInMs` is null when it will not come back. */
  onDown(reason: RestartReason | 'stopped' | 'failed', restartInMs: number | null): void;
}

const STOP_GRACE_MS = 10_000;
/** Up this long and the next failure starts the back-off afresh. */
const STABLE_AFTER_MS = 60_000;
const BRIDGE_MESSAGES_PER_SECOND = 5000;
const CHILD_NICENESS = 10;

/**
 * Runs Node-RED in a process of its own and keeps it running: started with plain node under the
 * permission model, as the unprivileged user, with a fresh environment and the bridge on fd 3;
 * killed when it stops beating (a flow's busy loop blocks its process, never the gateway's) and
 * started again after a back-off that doubles up to a limit.
 */
export class NodeRedProcess {
  private child: ChildProcess | undefined;
  private channel: BridgeChannel | undefined;
  private lastBeatMs = 0;
  private upSinceMs: number | null = null;
  private backoffMs = 1000;
  private watchdog: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly stderrLog = new ThrottledLog(10_000);

  constructor(private readonly options: NodeRedProcessOptions) {}

  /** Resolves once the first child is up; rejects with why it could not start. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`starting Node-RED took longer than ${this.options.startTimeoutMs} ms`)), this.options.startTimeoutMs);
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.stopping = true;
        this.kill();
        reject(err);
      };
      this.launch({
        up: () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve();
        },
        failed: fail,
      });
    });
  }

  send(message: GatewayMessage): boolean {
    return this.channel?.send(message) ?? false;
  }

  pid(): number | null {
    return this.child?.pid ?? null;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdog);
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.channel?.send({ t: 'stop' });
    const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(grace);
    this.channel?.close();
  }

  private launch(first?: { up: () => void; failed: (err: Error) => void }): void {
    const { options } = this;
    const child = spawn(process.execPath, [...permissionFlags(options.userDir, options.hostAccessNodes), CHILD_SCRIPT], {
      cwd: options.userDir,
      env: childEnvironment(options.userDir),
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      ...(options.user.dropped ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    this.child = child;
    // Below the gateway's priority: a flow that spins takes the CPU the gateway leaves, not its share.
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, CHILD_NICENESS);
      } catch (err) {
        options.log.warn({ err }, 'could not lower the priority of Node-RED’s process');
      }
    }
    let up = false;
    const channel = new BridgeChannel(child.stdio[3] as Duplex, {
      messagesPerSecond: BRIDGE_MESSAGES_PER_SECOND,
      onRefused: (reason) => options.onRefused(reason),
      onMessage: (message) => {
        if (message.t === 'beat') this.lastBeatMs = performance.now();
        if (message.t === 'ready' && !up) {
          up = true;
          this.lastBeatMs = performance.now();
          this.upSinceMs = performance.now();
          options.onUp(message.port, message.version);
          first?.up();
        } else if (message.t === 'failed') first?.failed(new Error(`Node-RED did not start: ${message.error}`));
        options.onMessage(message);
      },
    });
    this.channel = channel;
    channel.send({ t: 'init', ...options.init() });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrLog.maybe('stderr', (suppressed) => options.log.warn({ stderr: chunk.slice(0, 1000), suppressed }, 'Node-RED’s process wrote to stderr'));
    });
    child.once('error', (err) => first?.failed(err));
    child.once('exit', (code, signal) => {
      channel.close();
      if (this.child === child) this.child = undefined;
      if (!up) {
        first?.failed(new Error(`Node-RED’s process exited before it started (${signal ?? `code ${code}`})`));
        if (first === undefined && !this.stopping) this.scheduleRestart('exited');
        return;
      }
      if (this.stopping) {
        options.onDown('stopped', null);
        return;
      }
      options.log.error({ code, signal }, 'Node-RED’s process ended');
      this.scheduleRestart(this.killedFor?.child === child ? this.killedFor.reason : 'exited');
    });
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => this.checkBeat(child, () => up), 500);
    this.watchdog.unref();
  }

  /** The child the gateway killed itself, and why. */
  private killedFor: { child: ChildProcess; reason: RestartReason } | undefined;

  private checkBeat(child: ChildProcess, isUp: () => boolean): void {
    if (!isUp() || this.stopping || child !== this.child) return;
    const silentMs = performance.now() - this.lastBeatMs;
    if (silentMs < this.options.heartbeatTimeoutMs) return;
    this.options.log.error({ silentMs: Math.round(silentMs), pid: child.pid }, 'Node-RED’s process stopped answering (a flow blocks it); killing it');
    this.killedFor = { child, reason: 'hung' };
    child.kill('SIGKILL');
  }

  private scheduleRestart(reason: RestartReason): void {
    const { options } = this;
    if (this.upSinceMs !== null && performance.now() - this.upSinceMs >= STABLE_AFTER_MS) this.backoffMs = 1000;
    this.upSinceMs = null;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, options.restartBackoffMaxMs);
    options.onDown(reason, delay);
    options.log.warn({ reason, restartInMs: delay }, 'restarting Node-RED');
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.launch();
    }, delay);
  }

  private kill(): void {
    clearInterval(this.watchdog);
    this.child?.kill('SIGKILL');
  }

  /** For the bridge: the child said something it may not; it is replaced. */
  replace(): void {
    if (this.child === undefined || this.stopping) return;
    this.options.log.error({ pid: this.child.pid }, 'Node-RED’s process broke the bridge’s rules; replacing it');
    this.killedFor = { child: this.child, reason: 'bridge' };
    this.child.kill('SIGKILL');
  }
}
