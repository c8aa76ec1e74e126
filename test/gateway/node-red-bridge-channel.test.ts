import { PassThrough, Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BridgeChannel, checkChildMessage, type ChildMessage } from '../../gateway/node-red/bridge-channel.js';
import { waitFor } from '../helpers/wait-for.js';

/** Both ends of an in-memory socket: what the child writes, and what the gateway writes to it. */
function socketPair(): { gatewayEnd: Duplex; childWrites: PassThrough; toChild: PassThrough } {
  const childWrites = new PassThrough();
  const toChild = new PassThrough();
  const gatewayEnd = Duplex.from({ readable: childWrites, writable: toChild });
  return { gatewayEnd, childWrites, toChild };
}

function channel(messagesPerSecond = 5000) {
  const { gatewayEnd, childWrites, toChild } = socketPair();
  const received: ChildMessage[] = [];
  const refused: string[] = [];
  const bridge = new BridgeChannel(gatewayEnd, { messagesPerSecond, onMessage: (m) => void received.push(m), onRefused: (r) => void refused.push(r) });
  return { bridge, childWrites, toChild, received, refused, gatewayEnd };
}

describe('checkChildMessage', () => {
  it.each([
    ['a subscription to a gateway node', { t: 'subscribe', flowId: 'tab-1', nodeId: 'a1b2.c3', nodeType: 'gateway readings', settings: { deviceKind: 'bracelet' } }],
    ['a request to raise an alert', { t: 'call', id: 7, action: 'raise', flowId: 'tab-1', request: { kind: 'vitals' } }],
    ['a heartbeat', { t: 'beat' }],
  ])('takes %s', (_what, message) => {
    expect(checkChildMessage(message)).toMatchObject({ t: message.t });
  });

  it.each([
    ['not an object', 'hello', 'not a message'],
    ['an unknown type', { t: 'exec', command: 'id' }, 'unknown message type'],
    ['a subscription to a type that is not the gateway’s', { t: 'subscribe', flowId: 'f', nodeId: 'n', nodeType: 'exec', settings: {} }, 'subscribe to an unknown node type'],
    ['an id that is not a node id', { t: 'unsubscribe', nodeId: '../../etc' }, 'unsubscribe without an id'],
    ['an action the bridge does not offer', { t: 'call', id: 1, action: 'sql', flowId: 'f', request: {} }, 'call of an unknown action'],
    ['a call without a request', { t: 'call', id: 1, action: 'page', flowId: 'f' }, 'call without a flow or a request'],
  ])('refuses %s', (_what, message, reason) => {
    expect(checkChildMessage(message)).toBe(reason);
  });

  it('trims what it takes: log text, dropped counts', () => {
    expect(checkChildMessage({ t: 'log', level: 20, msg: 'x'.repeat(10_000), id: 'n1', type: 'function', z: 'f1' })).toMatchObject({ msg: 'x'.repeat(2000) });
    expect(checkChildMessage({ t: 'dropped', reason: 'flow_paused', count: 1e12 })).toMatchObject({ count: 1_000_000 });
  });
});

describe('BridgeChannel', () => {
  it('reads one message per line, in order, across chunks, and refuses what is not JSON', async () => {
    const { childWrites, received, refused } = channel();
    childWrites.write('{"t":"beat"}\n{"t":"subscribe","flowId":"f1","nodeId":"n1","nodeT');
    childWrites.write('ype":"aqhi updates","settings":{}}\nnot json\n');
    await waitFor('two messages', () => received.length === 2);
    expect(received.map((m) => m.t)).toEqual(['beat', 'subscribe']);
    await waitFor('the refusal', () => refused.length === 1);
    expect(refused).toEqual(['not JSON']);
  });

  it('closes the socket on a line past its limit', async () => {
    const { childWrites, refused, gatewayEnd } = channel();
    childWrites.write(`{"t":"log","level":20,"msg":"${'x'.repeat(300 * 1024)}`);
    await waitFor('the refusal', () => refused.length === 1);
    expect(refused).toEqual(['line too long']);
    expect(gatewayEnd.destroyed).toBe(true);
  });

  it('stops reading for the rest of the second past its message budget, then goes on', async () => {
    const { childWrites, received } = channel(10);
    const beforeFirst = performance.now();
    childWrites.write('{"t":"beat"}\n'.repeat(10));
    await waitFor('the first ten', () => received.length === 10);
    childWrites.write('{"t":"beat"}\n'.repeat(5));
    await waitFor('the rest after the pause', () => received.length === 15, 5000);
    // The second began with the first message, so no sooner than a second after it.
    expect(performance.now() - beforeFirst).toBeGreaterThanOrEqual(990);
  });

  it('refuses to send while the child is not reading its backlog', () => {
    const { gatewayEnd, childWrites } = socketPair();
    void childWrites;
    const bridge = new BridgeChannel(gatewayEnd, { messagesPerSecond: 10, onMessage: () => undefined, onRefused: () => undefined }, 1024);
    let sent = 0;
    while (bridge.send({ t: 'deliver', nodeId: 'n1', msg: { payload: 'x'.repeat(100) } }) && sent < 1000) sent += 1;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(1000);
  });
});
