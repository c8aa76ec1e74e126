import type { Logger } from 'pino';
import type { DecodedMessage } from '../../sensors/index.js';
import type { AedService, CabinetChange } from '../aed/aed-service.js';
import type { SafetyRules } from '../alerts/safety-rules.js';
import type { EvaluateStage } from '../evaluate/evaluate-stage.js';
import type { Evaluated } from '../ingest/ingest-pipeline.js';
import type { DeviceEntity } from '../registry/schemas.js';
import type { PostgresPool } from '../store/postgres-database.js';
import { EvaluationInbox, INBOX_DEFAULTS, listenToInbox, type InboxOptions } from './evaluation-inbox.js';
import { partitionOf, type PartitionLeases } from './partition-leases.js';
import { ReadingRelay, type RelayedReading } from './reading-relay.js';
import { COMMUNITY_PARTITION, type PartitionOwnership } from './partition-ownership.js';

export interface SharedEvaluationDeps {
  pool: PostgresPool;
  ownership: PartitionOwnership;
  evaluate: EvaluateStage;
  safety: Pick<SafetyRules, 'takeOver' | 'syncRegistry' | 'save'>;
  aed: Pick<AedService, 'reload' | 'respond' | 'confirmRestock'>;
  lookupDevice(deviceId: string): DeviceEntity | undefined;
  log: Logger;
  now(): number;
  inbox?: Partial<InboxOptions>;
  /** With Redis, readings for other gateways go over it; without, through the inbox like events. */
  redisUrl?: string;
}

export interface SharedEvaluation {
  /** Evaluates the message here when its partition is this gateway's, or hands it to the inbox of the one whose it is. */
  route(message: DecodedMessage, device: DeviceEntity): Evaluated;
  /** Follows the leases: takes over what comes, lets go of what leaves, evaluates what others forwarded. */
  follow(leases: PartitionLeases, leaseMs: number): void;
  /** Waits for what is being taken over or drained, then stops listening. */
  stop(): Promise<void>;
}

function receivedAtOf(message: DecodedMessage): number {
  switch (message.channel) {
    case 'telemetry':
      return message.reading.receivedAtMs;
    case 'events':
      return message.event.receivedAtMs;
    case 'status':
      return message.status.receivedAtMs;
  }
}

/**
 * The rules shared out over several gateways. A message is stored by the gateway the device
 * reached; its partition's holder evaluates it, here at once, or after the inbox in PostgreSQL
 * brought it there. On gaining partitions the holder reads their residents' rule state (and the
 * cabinets' for the community's partition) as the last holder saved it, raises what a holder that
 * died had decided and not raised, and only then evaluates their messages and runs their timers.
 */
export function shareEvaluation(deps: SharedEvaluationDeps): SharedEvaluation {
  const { pool, ownership, evaluate, safety, aed, log, now } = deps;
  const options = { ...INBOX_DEFAULTS, ...deps.inbox };
  const inbox = new EvaluationInbox(pool, options, log);
  /** Lease changes and drains run one at a time, in order. */
  let queue: Promise<void> = Promise.resolve();
  const serially = (work: () => Promise<void>): Promise<void> => {
    queue = queue.then(work).catch((err: unknown) => log.error({ err }, 'following the partitions failed'));
    return queue;
  };
  let draining = false;
  let drainAgain = false;
  let listener: { close(): Promise<void> } | undefined;
  let poll: NodeJS.Timeout | undefined;
  let leaseMs = 0;
  const relay = deps.redisUrl === undefined ? undefined : new ReadingRelay(deps.redisUrl, { heard: evaluateRelayed }, log);

  /** Evaluates a message another gateway stored; what it raises settles later, its failure logged. */
  function evaluateForwarded(message: DecodedMessage, device: DeviceEntity): Promise<void> | undefined {
    try {
      return evaluate.evaluateMessage(message, device, now()).committed?.catch((err: unknown) => log.error({ err, deviceId: device.id }, 'raising what a forwarded message caused failed'));
    } catch (err) {
      log.error({ err, deviceId: device.id }, 'evaluating a forwarded message failed');
      return undefined;
    }
  }

  /** Readings relayed over Redis: evaluated here while the partition is held; else kept in the inbox for its holder. */
  function evaluateRelayed(partition: number, readings: RelayedReading[]): void {
    if (!ownership.owns(partition)) {
      for (const [deviceId, message] of readings) void inbox.forward(partition, deviceId, message, receivedAtOf(message)).catch((err: unknown) => log.warn({ err, deviceId }, 'a relayed reading for a partition given up could not be kept'));
      return;
    }
    for (const [deviceId, message] of readings) {
      const device = deps.lookupDevice(deviceId);
      if (device !== undefined) void evaluateForwarded(message, device);
    }
  }

  /** Hands a message to its partition's holder: a reading over Redis when the holder listens, anything else through the inbox. */
  async function handOver(partition: number, device: DeviceEntity, message: DecodedMessage): Promise<void> {
    if (message.channel === 'telemetry' && relay !== undefined && (await relay.send(partition, device.id, message))) return;
    await inbox.forward(partition, device.id, message, receivedAtOf(message));
  }

  async function deadInstances(): Promise<string[]> {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM cluster_instances WHERE stopped_at IS NOT NULL OR heartbeat_at <= clock_timestamp() - make_interval(secs => $1)`,
      [leaseMs / 1000],
    );
    return rows.map((r) => r.id);
  }

  async function gain(partitions: number[]): Promise<void> {
    const taking = new Set(partitions);
    const residentTaken = (residentId: string): boolean => taking.has(partitionOf(residentId));
    const nowMs = now();
    const residents = await safety.takeOver(residentTaken, nowMs);
    const cabinets = taking.has(COMMUNITY_PARTITION);
    if (cabinets) await aed.reload();
    ownership.markTaken(partitions);
    safety.syncRegistry(nowMs);
    evaluate.resync();
    const recovered = await evaluate.recoverFrom(await deadInstances(), residentTaken, cabinets, nowMs);
    log.info({ partitions: partitions.length, residents, cabinets, recovered }, 'partitions taken over');
  }

  function lose(partitions: number[]): void {
    ownership.markLost(partitions);
    evaluate.resync();
    void serially(async () => {
      await safety.takeOver(() => false, now());
      safety.syncRegistry(now());
    });
  }

  /** A cabinet change another gateway took (a responder's answer, a restock): applied here, where the cabinets run. */
  async function applyChange(change: CabinetChange): Promise<void> {
    try {
      if (change.channel === 'restockConfirmed') await aed.confirmRestock(change.aedId, change.by);
      else log.info({ ...change, ...(await aed.respond(change.alertId, change.responderId, change.answer)) }, 'a responder’s answer taken by another gateway applied');
    } catch (err) {
      log.error({ err, change }, 'a cabinet change taken by another gateway could not be applied');
    }
  }

  /** Evaluates what other gateways forwarded for the partitions owned, oldest first, then writes it off. */
  async function drain(): Promise<void> {
    if (draining) {
      drainAgain = true;
      return;
    }
    draining = true;
    try {
      do {
        drainAgain = false;
        for (;;) {
          const owned = ownership.owned();
          const batch = await inbox.take(owned);
          if (batch.length === 0) break;
          const raised: Promise<void>[] = [];
          for (const item of batch) {
            if (item.message.channel === 'dispatchAnswer' || item.message.channel === 'restockConfirmed') {
              if (ownership.owns(item.partition)) await applyChange(item.message);
              continue;
            }
            const device = deps.lookupDevice(item.deviceId);
            // A device removed since: nothing left to evaluate it for.
            if (device === undefined || !ownership.owns(item.partition)) continue;
            const committed = evaluateForwarded(item.message, device);
            if (committed !== undefined) raised.push(committed);
          }
          await Promise.all(raised);
          // Written off only for partitions still held: a lost one's messages stay for its new holder.
          await inbox.done(batch.filter((m) => ownership.owns(m.partition)).map((m) => m.id));
          if (batch.length < options.batch) break;
        }
      } while (drainAgain);
    } catch (err) {
      log.warn({ err }, 'forwarded messages not evaluated yet; trying again');
    } finally {
      draining = false;
    }
  }

  return {
    route(message, device) {
      const partition = ownership.partitionOfDevice(device);
      if (ownership.owns(partition)) return evaluate.evaluateMessage(message, device, now()).committed;
      return { handedOver: handOver(partition, device, message) };
    },

    follow(leases, lease) {
      leaseMs = lease;
      ownership.passChangesVia((change) => inbox.forward(COMMUNITY_PARTITION, '', change, now()));
      ownership.holdWith(leases);
      // A planned hand-over (a gateway joined): what readings changed since the last save goes with it.
      leases.onGivingBack(() => safety.save());
      leases.events.on('gained', (partitions) => {
        // Listening for relayed readings only once their residents' state is loaded; not waited
        // for (Redis may be away: meanwhile nobody hears them and they come through the inbox).
        void serially(async () => {
          await gain(partitions);
          relay?.hold(partitions).catch((err: unknown) => log.warn({ err }, 'not listening for relayed readings; they come through the inbox'));
        }).then(drain);
      });
      leases.events.on('lost', (partitions) => {
        lose(partitions);
        relay?.release(partitions).catch((err: unknown) => log.warn({ err }, 'still listening for readings of partitions given up; they go to the inbox'));
      });
      listener = listenToInbox(
        pool,
        (partitions) => {
          if (partitions.some((p) => ownership.owns(p))) void drain();
        },
        log,
      );
      poll = setInterval(() => void drain(), options.pollMs);
      poll.unref();
    },

    async stop() {
      clearInterval(poll);
      // What the relay could not hand over goes to the inbox, so the relay closes first.
      await relay?.close();
      await inbox.close();
      await queue;
      await listener?.close();
    },
  };
}
