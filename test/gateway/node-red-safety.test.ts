import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { createMetrics } from '../../gateway/metrics.js';
import { FlowDispatcher, type DispatchObserver, type DropReason, type FlowSubscription } from '../../gateway/node-red/flow-dispatcher.js';
import { FlowPauses } from '../../gateway/node-red/flow-pauses.js';
import { createFlowWatch } from '../../gateway/node-red/flow-watch.js';
import { capFunctionTimeouts } from '../../gateway/node-red/function-timeouts.js';
import { RedAccess } from '../../gateway/node-red/red-access.js';
import { ThrottledLog } from '../../gateway/node-red/throttled-log.js';
import { TokenBucket } from '../../gateway/node-red/token-bucket.js';
import type { Principal } from '../../gateway/auth/token-store.js';
import { fakeClock } from '../helpers/fake-clock.js';

const silent = createLogger('silent');

/** A dispatcher whose drain runs only when the test says so. */
function dispatcherFor(options: { queueLimit?: number; perSecond?: number; paused?: Set<string> } = {}) {
  const clock = fakeClock(0);
  const pending: (() => void)[] = [];
  const seen = { delivered: 0, dropped: [] as [DropReason, string | null][], failed: 0 };
  const observer: DispatchObserver = {
    delivered: () => void (seen.delivered += 1),
    dropped: (reason, flowId) => void seen.dropped.push([reason, flowId]),
    deliveryFailed: () => void (seen.failed += 1),
    queueLength: () => undefined,
  };
  const dispatcher = new FlowDispatcher({
    queueLimit: options.queueLimit ?? 100,
    messagesPerSecondPerFlow: options.perSecond ?? 100,
    isPaused: (flowId) => options.paused?.has(flowId) ?? false,
    observer,
    batchSize: 1000,
    clockMs: clock.now,
    schedule: (run) => void pending.push(run),
  });
  const drain = (): void => {
    while (pending.length > 0) pending.shift()!();
  };
  return { dispatcher, clock, seen, drain };
}

function collector(flowId: string, filter: (n: number) => boolean = () => true) {
  const got: number[] = [];
  const subscription: FlowSubscription<number> = {
    flowId,
    nodeId: `${flowId}-node`,
    source: 'readings',
    select: (item) => (filter(item as number) ? (item as number) : undefined),
    deliver: (n) => void got.push(n),
  };
  return { got, subscription };
}

describe('FlowDispatcher', () => {
  it('never calls into a flow from the gateway’s emitter; it delivers on a later turn', () => {
    const { dispatcher, drain } = dispatcherFor();
    const a = collector('f1');
    dispatcher.subscribe(a.subscription);
    dispatcher.enqueue('readings', 1);
    expect(a.got).toEqual([]);
    drain();
    expect(a.got).toEqual([1]);
  });

  it('keeps nothing when no flow listens to a source', () => {
    const { dispatcher } = dispatcherFor();
    dispatcher.enqueue('readings', 1);
    expect(dispatcher.length()).toBe(0);
  });

  it('drops the oldest item when the queue is full, and counts it', () => {
    const { dispatcher, drain, seen } = dispatcherFor({ queueLimit: 3 });
    const a = collector('f1');
    dispatcher.subscribe(a.subscription);
    for (let n = 1; n <= 5; n += 1) dispatcher.enqueue('readings', n);
    drain();
    expect(a.got).toEqual([3, 4, 5]);
    expect(seen.dropped).toEqual([
      ['queue_full', null],
      ['queue_full', null],
    ]);
  });

  it('gives each flow at most its budget per second, refilled with time', () => {
    const { dispatcher, drain, seen, clock } = dispatcherFor({ perSecond: 2 });
    const busy = collector('busy');
    const other = collector('other', (n) => n === 1);
    dispatcher.subscribe(busy.subscription);
    dispatcher.subscribe(other.subscription);
    for (let n = 1; n <= 4; n += 1) dispatcher.enqueue('readings', n);
    drain();
    expect(busy.got).toEqual([1, 2]);
    expect(other.got).toEqual([1]);
    expect(seen.dropped).toEqual([
      ['budget', 'busy'],
      ['budget', 'busy'],
    ]);
    clock.advance(1000);
    dispatcher.enqueue('readings', 5);
    drain();
    expect(busy.got).toEqual([1, 2, 5]);
  });

  it('skips paused flows and survives a node that throws', () => {
    const paused = new Set(['paused']);
    const { dispatcher, drain, seen } = dispatcherFor({ paused });
    const ok = collector('ok');
    const stopped = collector('paused');
    dispatcher.subscribe(stopped.subscription);
    dispatcher.subscribe({ ...collector('broken').subscription, deliver: () => void JSON.parse('{') });
    dispatcher.subscribe(ok.subscription);
    dispatcher.enqueue('readings', 1);
    drain();
    expect(ok.got).toEqual([1]);
    expect(stopped.got).toEqual([]);
    expect(seen.failed).toBe(1);
    expect(seen.dropped).toEqual([['flow_paused', 'paused']]);
  });

  it('stops delivering to a node once it unsubscribes (a redeploy)', () => {
    const { dispatcher, drain } = dispatcherFor();
    const a = collector('f1');
    const unsubscribe = dispatcher.subscribe(a.subscription);
    dispatcher.enqueue('readings', 1);
    unsubscribe();
    drain();
    expect(a.got).toEqual([]);
    expect(dispatcher.listeners()).toEqual([]);
  });
});

describe('capFunctionTimeouts', () => {
  it.each([
    ['no limit', undefined, 1],
    ['zero (none)', 0, 1],
    ['too long', 3600, 1],
    ['not a number', 'forever', 1],
    ['within the cap', 0.5, 0.5],
    ['at the cap', 1, 1],
  ])('%s → %s s becomes %s s', (_what, timeout, expected) => {
    const node: Record<string, unknown> = { id: 'f', type: 'function', ...(timeout === undefined ? {} : { timeout }) };
    capFunctionTimeouts([node], 1);
    expect(node.timeout).toBe(expected);
  });

  it('finds function nodes in every shape the admin API takes', () => {
    const v2 = { flows: [{ type: 'function', timeout: 60 }], rev: 'x' };
    const single = { id: 't', label: 'tab', nodes: [{ type: 'function' }], subflows: [{ id: 's', nodes: [{ type: 'function', timeout: 9 }] }] };
    expect(capFunctionTimeouts(v2, 2)).toBe(1);
    expect(capFunctionTimeouts(single, 2)).toBe(2);
    expect(v2.flows[0]!.timeout).toBe(2);
    expect(capFunctionTimeouts([{ type: 'inject', timeout: 60 }], 2)).toBe(0);
  });
});

describe('TokenBucket and FlowPauses', () => {
  it('takes up to its capacity, then refills continuously', () => {
    const clock = fakeClock(0);
    const bucket = new TokenBucket(2, 1, clock.now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    clock.advance(500);
    expect(bucket.take()).toBe(false);
    clock.advance(500);
    expect(bucket.take()).toBe(true);
  });

  it('pauses a flow for a while, reporting only the first pause', () => {
    const clock = fakeClock(0);
    const pauses = new FlowPauses(60_000, clock.now);
    expect(pauses.pause('f1')).toBe(true);
    expect(pauses.pause('f1')).toBe(false);
    expect(pauses.isPaused('f1')).toBe(true);
    clock.advance(60_000);
    expect(pauses.isPaused('f1')).toBe(false);
    expect(pauses.paused()).toEqual([]);
  });
});

describe('createFlowWatch', () => {
  function watchWith(hopsPerSecondPerFlow = 1000) {
    const clock = fakeClock(0);
    const metrics = createMetrics();
    const pauses = new FlowPauses(60_000, clock.now);
    const watch = createFlowWatch({ log: silent, metrics, pauses, hopsPerSecondPerFlow, clockMs: clock.now });
    return { watch, pauses, metrics, clock };
  }
  const receive = (z: string) => ({ msg: {}, destination: { id: 'n1', node: { z, type: 'function' } } });

  it('pauses the flow of a function node that ran into its time limit, even when a catch node handled it', async () => {
    const { watch, pauses, metrics } = watchWith();
    const timeout = Object.assign(new Error('Script execution timed out after 1000ms'), { code: 'ERR_SCRIPT_EXECUTION_TIMEOUT' });
    watch.onComplete({ msg: {}, error: new Error('boom'), node: { id: 'n1', node: { z: 'f1', type: 'function' } } });
    expect(pauses.isPaused('f1')).toBe(false);
    watch.onComplete({ msg: {}, error: timeout, node: { id: 'n2', node: { z: 'f2', type: 'function' } } });
    expect(pauses.isPaused('f2')).toBe(true);
    expect(watch.onReceive(receive('f2'))).toBe(false);
    expect(watch.onReceive(receive('f1'))).toBeUndefined();
    expect((await metrics.nodeRedFlowPauses.get()).values).toEqual([expect.objectContaining({ labels: { flow: 'f2', reason: 'timeout' }, value: 1 })]);
  });

  it('pauses a flow that passes more messages between its nodes than its budget (a loop)', () => {
    const { watch, pauses, clock } = watchWith(10);
    // Two seconds’ worth pass at once.
    for (let i = 0; i < 20; i += 1) expect(watch.onReceive(receive('loop'))).toBeUndefined();
    expect(watch.onReceive(receive('loop'))).toBe(false);
    expect(pauses.isPaused('loop')).toBe(true);
    clock.advance(60_000);
    expect(watch.onReceive(receive('loop'))).toBeUndefined();
  });

  it('counts node errors per flow', async () => {
    const { watch, metrics } = watchWith();
    for (let i = 0; i < 3; i += 1) watch.onLog({ level: 20, msg: new Error('boom'), id: 'n1', type: 'function', z: 'f1' });
    watch.onLog({ level: 30, msg: 'careful', id: 'n1', type: 'function', z: 'f1' });
    watch.onLog({ level: 20, msg: 'runtime trouble' });
    expect((await metrics.nodeRedFlowErrors.get()).values).toEqual([expect.objectContaining({ labels: { flow: 'f1' }, value: 3 })]);
  });
});

describe('ThrottledLog', () => {
  it('writes the first line, then one per interval with how many it left out', () => {
    const clock = fakeClock(0);
    const throttle = new ThrottledLog(10_000, clock.now);
    const lines: number[] = [];
    for (let i = 0; i < 5; i += 1) throttle.maybe('f1', (suppressed) => lines.push(suppressed));
    clock.advance(10_000);
    throttle.maybe('f1', (suppressed) => lines.push(suppressed));
    expect(lines).toEqual([0, 4]);
  });
});

describe('RedAccess', () => {
  const principals: Record<string, Principal> = {
    'admin-token': { tokenId: 't1', role: 'admin', subject: null },
    'worker-token': { tokenId: 't2', role: 'worker', subject: 'w1' },
  };
  const access = new RedAccess({ tokens: { resolve: async (t) => principals[t] }, metrics: createMetrics(), log: silent, sessionTtlS: 60 });

  it.each<[string, IncomingHttpHeaders, string]>([
    ['no credentials', {}, 'GW_ERR_AUTH_MISSING_TOKEN'],
    ['a Basic header', { authorization: 'Basic YTpi' }, 'GW_ERR_AUTH_MISSING_TOKEN'],
    ['an unknown token', { authorization: 'Bearer nope' }, 'GW_ERR_AUTH_BAD_TOKEN'],
    ['a worker token', { authorization: 'Bearer worker-token' }, 'GW_ERR_AUTH_FORBIDDEN'],
    ['an unknown session', { cookie: 'gw_red_session=forged' }, 'GW_ERR_AUTH_MISSING_TOKEN'],
  ])('refuses %s', async (_what, headers, code) => {
    expect(await access.authenticate(headers)).toMatchObject({ ok: false, code });
  });

  it('admits the admin token', async () => {
    expect(await access.authenticate({ authorization: 'Bearer admin-token' })).toMatchObject({ ok: true, principal: { role: 'admin' } });
  });

  it('gives Node-RED a user only for its own proof', async () => {
    expect(await access.adminAuthTokens(access.proof)).toMatchObject({ permissions: '*' });
    expect(await access.adminAuthTokens('admin-token')).toBeNull();
    expect(await access.adminAuthTokens('')).toBeNull();
  });
});
