import { describe, expect, it } from 'vitest';
import { EmergencyConflict, type Emergency, type EmergencyStore, type NewEmergencyMessage } from '../../gateway/emergencies/emergency-store.js';
import type { EmergencyDispatchState } from '../../rules/aed/index.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function emergency(id: string, createdAtMs: number, changes: Partial<Emergency> = {}): Emergency {
  return {
    id,
    ref: `ref-${id}`,
    kind: 'cardiac_arrest',
    lat: 31.2304,
    lon: 121.4737,
    address: 'Li Guiying, Building 3',
    note: null,
    source: 'centre',
    createdBy: 'centre-120',
    createdAtMs,
    state: 'active',
    closedAtMs: null,
    grid: 'g-fuxing',
    district: 'xuhui',
    resident: null,
    alertId: null,
    // The store keeps the dispatch whole, whatever it holds.
    dispatch: { version: 1, patient: { lat: 31.2304, lon: 121.4737 }, runs: [], noRespondersAtMs: null } as unknown as EmergencyDispatchState,
    timeline: [{ atMs: createdAtMs, type: 'created', text: 'Reported by the emergency centre.' }],
    unlocks: [],
    ambulanceArrivedAtMs: null,
    revision: 1,
    ...changes,
  };
}

function page(emergencyId: string, to: string, nextAttemptAtMs: number): NewEmergencyMessage {
  return {
    emergencyId,
    purpose: 'dispatch',
    routes: [
      { to, channel: { type: 'webhook', url: 'http://127.0.0.1:9/responder' } },
      { to, channel: { type: 'sms', phone: '+8613800000001' } },
    ],
    body: { text: `${to}: cardiac arrest at Li Guiying, Building 3` },
    nextAttemptAtMs,
  };
}

export function emergencyStoreContract(factory: AdapterFactory<EmergencyStore>): void {
  describe(`EmergencyStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('keeps an emergency whole with the messages its change asks for, pending at their first route', async () => {
      const store = await adapter.open();
      await store.save(emergency('e-1', T0), [page('e-1', 'rsp-wu', T0), page('e-1', 'rsp-sun', T0)], T0);
      expect(await store.get('e-1')).toEqual(emergency('e-1', T0));
      expect(await store.byRef('ref-e-1')).toEqual(emergency('e-1', T0));
      expect(await store.get('e-none')).toBeUndefined();
      expect(await store.byRef('ref-none')).toBeUndefined();
      const messages = await store.messagesOf('e-1');
      expect(messages.map((m) => [m.routes[0]?.to, m.state, m.routeIndex, m.attempt, m.lastError])).toEqual([
        ['rsp-wu', 'pending', 0, 0, null],
        ['rsp-sun', 'pending', 0, 0, null],
      ]);
      expect(messages[0]).toMatchObject({ emergencyId: 'e-1', purpose: 'dispatch', body: page('e-1', 'rsp-wu', T0).body, routes: page('e-1', 'rsp-wu', T0).routes, nextAttemptAtMs: T0 });
      expect(messages[1]!.id).toBeGreaterThan(messages[0]!.id);
    });

    it('replaces an emergency by id, and refuses a second emergency with a known ref', async () => {
      const store = await adapter.open();
      await store.save(emergency('e-1', T0), [], T0);
      await store.save(emergency('e-1', T0, { state: 'closed', closedAtMs: T0 + 60_000, revision: 2 }), [], T0 + 60_000);
      expect(await store.get('e-1')).toEqual(emergency('e-1', T0, { state: 'closed', closedAtMs: T0 + 60_000, revision: 2 }));
      await expect(store.save(emergency('e-2', T0, { ref: 'ref-e-1' }), [page('e-2', 'rsp-wu', T0)], T0)).rejects.toThrow();
      // Nothing of the refused write was kept, its messages included.
      expect(await store.get('e-2')).toBeUndefined();
      expect(await store.messagesOf('e-2')).toEqual([]);
    });

    it('writes a change only over the emergency it was made from: a change made from an older copy is refused whole', async () => {
      const store = await adapter.open();
      const created = emergency('e-1', T0);
      await store.save(created, [page('e-1', 'rsp-wu', T0)], T0, 'new');
      const read = (await store.get('e-1'))!;
      const answered = emergency('e-1', T0, { revision: 2, timeline: [...created.timeline, { atMs: T0 + 5_000, type: 'responder_accepted', responder: 'rsp-wu', text: 'Wu Jun accepted.' }] });
      await store.save(answered, [], T0 + 5_000, read);
      // Another gateway's tick, made from the copy it read before the answer: nothing of it is written.
      const staleTick = emergency('e-1', T0, { revision: 2, timeline: [...created.timeline, { atMs: T0 + 6_000, type: 'timed_out', responder: 'rsp-wu', text: 'Wu Jun did not answer in time.' }] });
      await expect(store.save(staleTick, [page('e-1', 'rsp-sun', T0 + 6_000)], T0 + 6_000, read)).rejects.toBeInstanceOf(EmergencyConflict);
      expect(await store.get('e-1')).toEqual(answered);
      expect((await store.messagesOf('e-1')).map((m) => m.routes[0]!.to)).toEqual(['rsp-wu']);
      // Made again from what is stored, it lands.
      const redone = emergency('e-1', T0, { revision: 3, timeline: [...answered.timeline, { atMs: T0 + 6_000, type: 'asked', responder: 'rsp-sun', text: 'Sun Li asked.' }] });
      await store.save(redone, [page('e-1', 'rsp-sun', T0 + 6_000)], T0 + 6_000, (await store.get('e-1'))!);
      expect(await store.get('e-1')).toEqual(redone);
      expect((await store.messagesOf('e-1')).map((m) => m.routes[0]!.to)).toEqual(['rsp-wu', 'rsp-sun']);
    });

    it('creates a new emergency once: a second creation of the same id or ref is a conflict, and writes nothing', async () => {
      const store = await adapter.open();
      await store.save(emergency('e-1', T0), [], T0, 'new');
      await expect(store.save(emergency('e-1', T0, { ref: 'ref-other', revision: 5 }), [page('e-1', 'rsp-wu', T0)], T0, 'new')).rejects.toBeInstanceOf(EmergencyConflict);
      await expect(store.save(emergency('e-2', T0, { ref: 'ref-e-1' }), [page('e-2', 'rsp-wu', T0)], T0, 'new')).rejects.toBeInstanceOf(EmergencyConflict);
      expect(await store.get('e-1')).toEqual(emergency('e-1', T0));
      expect(await store.get('e-2')).toBeUndefined();
      expect(await store.messagesOf('e-1')).toEqual([]);
      expect(await store.messagesOf('e-2')).toEqual([]);
      // A change based on an emergency that is not stored at all is refused too.
      await expect(store.save(emergency('e-3', T0), [], T0, emergency('e-3', T0))).rejects.toBeInstanceOf(EmergencyConflict);
      expect(await store.get('e-3')).toBeUndefined();
    });

    it('lists the active ones oldest first, and any newest first by state and creation time', async () => {
      const store = await adapter.open();
      await store.save(emergency('e-b', T0 + 2_000), [], T0);
      await store.save(emergency('e-a', T0 + 1_000), [], T0);
      await store.save(emergency('e-c', T0 + 3_000, { state: 'closed', closedAtMs: T0 + 4_000 }), [], T0);
      expect((await store.listActive()).map((e) => e.id)).toEqual(['e-a', 'e-b']);
      expect((await store.list({ limit: 10 })).map((e) => e.id)).toEqual(['e-c', 'e-b', 'e-a']);
      expect((await store.list({ state: 'closed', limit: 10 })).map((e) => e.id)).toEqual(['e-c']);
      expect((await store.list({ sinceMs: T0 + 2_000, untilMs: T0 + 3_000, limit: 10 })).map((e) => e.id)).toEqual(['e-b']);
      expect((await store.list({ limit: 1 })).map((e) => e.id)).toEqual(['e-c']);
    });

    it('hands out pending messages due by now in the order added, and keeps each delivery state written', async () => {
      const store = await adapter.open();
      await store.save(emergency('e-1', T0), [page('e-1', 'rsp-wu', T0 + 1_000), page('e-1', 'rsp-sun', T0)], T0);
      await store.addMessages([{ ...page('e-1', 'centre', T0), purpose: 'centre' }], T0);
      expect((await store.dueMessages(T0 - 1)).map((m) => m.routes[0]?.to)).toEqual([]);
      expect((await store.dueMessages(T0)).map((m) => m.routes[0]?.to)).toEqual(['rsp-sun', 'centre']);
      expect((await store.dueMessages(T0 + 1_000, 2)).map((m) => m.routes[0]?.to)).toEqual(['rsp-wu', 'rsp-sun']);
      const [wu, sun, centre] = await store.messagesOf('e-1');
      await store.updateMessage({ ...wu!, state: 'delivered' }, T0 + 1_000);
      await store.updateMessage({ ...sun!, routeIndex: 1, attempt: 0, nextAttemptAtMs: T0 + 5_000, lastError: 'attempt 3 of 3: HTTP 503' }, T0 + 1_000);
      await store.updateMessage({ ...centre!, state: 'failed' }, T0 + 1_000);
      expect((await store.dueMessages(T0 + 4_999)).map((m) => m.routes[0]?.to)).toEqual([]);
      expect(await store.dueMessages(T0 + 5_000)).toEqual([{ ...sun!, routeIndex: 1, attempt: 0, nextAttemptAtMs: T0 + 5_000, lastError: 'attempt 3 of 3: HTTP 503' }]);
      expect((await store.messagesOf('e-1')).map((m) => m.state)).toEqual(['delivered', 'pending', 'failed']);
    });

    it('lets one sender hold a message: another passes it by until the hold ends, the holder takes it again, a finished one is nobody’s', async () => {
      const store = await adapter.open();
      await store.save(emergency('e-1', T0), [page('e-1', 'rsp-wu', T0), page('e-1', 'rsp-sun', T0)], T0);
      const [wu, sun] = (await store.messagesOf('e-1')).map((m) => m.id);
      expect((await store.claimDueMessages(T0, 'east', 15_000, 1)).map((m) => m.id)).toEqual([wu]);
      expect((await store.claimDueMessages(T0 + 1, 'west', 15_000)).map((m) => m.id)).toEqual([sun]);
      expect(await store.claimDueMessages(T0 + 2, 'north', 15_000)).toEqual([]);
      // Its holder gets it again (a retry after backoff), and so holds it longer.
      expect((await store.claimDueMessages(T0 + 10_000, 'east', 15_000)).map((m) => m.id)).toEqual([wu]);
      // West died: past its hold, its message is another's; east's is still east's.
      expect((await store.claimDueMessages(T0 + 20_000, 'north', 15_000)).map((m) => m.id)).toEqual([sun]);
      expect((await store.claimDueMessages(T0 + 25_000, 'north', 15_000)).map((m) => m.id)).toEqual([wu, sun]);
      const [held] = await store.messagesOf('e-1');
      await store.updateMessage({ ...held!, state: 'delivered' }, T0 + 25_001);
      expect((await store.claimDueMessages(T0 + 100_000, 'east', 15_000)).map((m) => m.id)).toEqual([sun]);
      // Not due yet is nobody's either: only the one east held past its hold is west's.
      await store.addMessages([page('e-1', 'centre', T0 + 200_000)], T0 + 100_001);
      expect((await store.claimDueMessages(T0 + 199_999, 'west', 15_000)).map((m) => m.routes[0]?.to)).toEqual(['rsp-sun']);
    });

    it('renews a hold only for the sender still holding a pending message: one taken over meanwhile is not sent twice', async () => {
      const store = await adapter.open();
      await store.save(emergency('e-1', T0), [page('e-1', 'rsp-wu', T0), page('e-1', 'rsp-sun', T0)], T0);
      const [wu, sun] = (await store.messagesOf('e-1')).map((m) => m.id) as [number, number];
      await store.claimDueMessages(T0, 'east', 15_000);
      expect(await store.renewMessageClaim(wu, 'east', T0 + 10_000, 15_000)).toBe(true);
      expect(await store.renewMessageClaim(wu, 'west', T0 + 10_000, 15_000)).toBe(false);
      // East stalls past its renewed hold (T0 + 25 s); west takes the first message.
      expect((await store.claimDueMessages(T0 + 26_000, 'west', 15_000, 1)).map((m) => m.id)).toEqual([wu]);
      expect(await store.renewMessageClaim(wu, 'east', T0 + 26_001, 15_000)).toBe(false);
      expect(await store.renewMessageClaim(wu, 'west', T0 + 26_001, 15_000)).toBe(true);
      // East's hold on the second ran out too: it cannot renew what it no longer holds, and anyone may take it.
      expect(await store.renewMessageClaim(sun, 'east', T0 + 26_002, 15_000)).toBe(false);
      expect((await store.claimDueMessages(T0 + 26_003, 'north', 15_000)).map((m) => m.id)).toEqual([sun]);
      const [delivered] = await store.messagesOf('e-1');
      await store.updateMessage({ ...delivered!, state: 'delivered' }, T0 + 26_004);
      expect(await store.renewMessageClaim(wu, 'west', T0 + 26_005, 15_000)).toBe(false);
    });

    it('keeps a finished message finished: a late writer (a sender that lost its hold) does not reopen it', async () => {
      const store = await adapter.open();
      await store.save(emergency('e-1', T0), [page('e-1', 'rsp-wu', T0)], T0);
      const [stale] = await store.messagesOf('e-1');
      await store.updateMessage({ ...stale!, state: 'delivered' }, T0 + 1_000);
      await store.updateMessage({ ...stale!, attempt: 1, nextAttemptAtMs: T0 + 2_000, lastError: 'attempt 1 of 3: HTTP 503' }, T0 + 1_500);
      expect(await store.messagesOf('e-1')).toEqual([{ ...stale, state: 'delivered' }]);
      expect(await store.claimDueMessages(T0 + 60_000, 'west', 15_000)).toEqual([]);
    });

    it('gives each due message to one of several senders claiming at the same moment', async () => {
      const store = await adapter.open();
      const pages = Array.from({ length: 40 }, (_, i) => page('e-1', `rsp-${i}`, T0));
      await store.save(emergency('e-1', T0), pages, T0);
      const ids = (await store.messagesOf('e-1')).map((m) => m.id);
      const claims = await Promise.all(['east', 'west', 'north', 'south'].flatMap((who) => [1, 2].map(() => store.claimDueMessages(T0, who, 15_000, 7))));
      // Four senders, twice each: a sender may get its own message twice, never another's.
      const owners = new Map<number, Set<number>>();
      claims.forEach((messages, i) => messages.forEach((m) => owners.set(m.id, (owners.get(m.id) ?? new Set()).add(Math.floor(i / 2)))));
      expect([...owners.values()].every((who) => who.size === 1)).toBe(true);
      expect(owners.size).toBeGreaterThanOrEqual(28);
      expect([...owners.keys()].every((id) => ids.includes(id))).toBe(true);
    });

    it('keeps emergencies and their outbox across a restart', async () => {
      const first = await adapter.open();
      await first.save(emergency('e-1', T0, { unlocks: [{ aedId: 'aed-station', deviceId: 'cab-station', responderId: 'rsp-wu', atMs: T0, validS: 300, sentAtMs: null }] }), [page('e-1', 'rsp-wu', T0)], T0);
      const again = await adapter.reopen();
      expect(await again.get('e-1')).toEqual(emergency('e-1', T0, { unlocks: [{ aedId: 'aed-station', deviceId: 'cab-station', responderId: 'rsp-wu', atMs: T0, validS: 300, sentAtMs: null }] }));
      expect((await again.listActive()).map((e) => e.id)).toEqual(['e-1']);
      expect((await again.dueMessages(T0)).map((m) => [m.emergencyId, m.routes[0]?.to, m.state])).toEqual([['e-1', 'rsp-wu', 'pending']]);
    });
  });
}
