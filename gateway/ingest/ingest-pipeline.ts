import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  DEVICE_KINDS,
  INBOUND_CHANNELS,
  type DecodeLimits,
  type DecodedMessage,
  type DeviceKind,
  type DeviceEvent,
  type InboundChannel,
  type Reading,
  type Rejection,
  type StatusUpdate,
} from '../../sensors/index.js';
import type { GatewayMetrics } from '../metrics.js';
import type { DeviceEntity } from '../registry/schemas.js';
import type { Committed, TelemetrySink } from '../telemetry/telemetry-store.js';
import type { DeviceStateStore } from './device-state-store.js';
import type { RejectionLog } from './rejection-log.js';
import { decodeMessage, identifyDevice, storeMessage, validateDecoded } from './stages.js';

/** What ingestion tells the rest of the gateway (rules, feeds, Node-RED). */
export interface IngestEvents {
  readingAccepted: [reading: Reading, device: DeviceEntity];
  eventAccepted: [event: DeviceEvent, device: DeviceEntity];
  statusReported: [status: StatusUpdate, device: DeviceEntity];
}

interface IngestContext {
  deviceId: string;
  channel: InboundChannel;
  payload: Buffer;
  receivedAtMs: number;
  device?: DeviceEntity;
  decoded?: unknown;
  message?: DecodedMessage;
  /** QoS 1 and 2: told once the message is stored; the acknowledgement waits for it. */
  stored?: Committed;
  /** Whether the store of record took over `stored` (a reading, told at its commit). */
  storedLater?: boolean;
}

const topicOf = (ctx: IngestContext): string => `devices/${ctx.deviceId}/${ctx.channel}`;

type StepResult = { action: 'continue' } | { action: 'drop'; rejection: Rejection };
type Step = (ctx: IngestContext) => StepResult;

const INTERNAL_ERROR: StepResult = { action: 'drop', rejection: { reason: 'internal_error', message: 'internal error while ingesting' } };

export interface IngestDeps {
  lookupDevice(deviceId: string): DeviceEntity | undefined;
  /** The first is the store of record: a QoS 1 reading is acknowledged once it has committed it. */
  sinks: readonly [TelemetrySink, ...TelemetrySink[]];
  deviceState: DeviceStateStore;
  rejections: RejectionLog;
  metrics: GatewayMetrics;
  limits: DecodeLimits;
  log: Logger;
}

/**
 * The evaluate stage's answer: a promise when the message caused something to be saved and raised
 * here, or the message handed to the gateway that evaluates its partition (several gateways): an
 * event or status is acknowledged once that gateway has it kept.
 */
export type Evaluated = Promise<void> | undefined | { handedOver: Promise<void> };
type Evaluator = (message: DecodedMessage, device: DeviceEntity) => Evaluated;

const CONTINUE: StepResult = { action: 'continue' };
/** Ingest time is observed for one message in this many. */
const TIMING_SAMPLE_EVERY = 16;
const NOT_TIMED = -1;

/** One constant label object per kind and channel: the tallied counter keys on identity. */
const ACCEPTED_LABELS = Object.fromEntries(
  DEVICE_KINDS.map((kind) => [kind, Object.fromEntries(INBOUND_CHANNELS.map((channel) => [channel, { kind, channel }]))]),
) as Record<DeviceKind, Record<InboundChannel, { kind: DeviceKind; channel: InboundChannel }>>;

/**
 * The ingest pipeline, one small step each (STYLE.md: aedes's step lists), each running a stage
 * of stages.ts: enrichDevice → decode → validate → storeAndAnnounce (which runs the evaluate stage). A step returns continue or drop; drops are
 * counted and logged with the device. Throwing is for bugs, and is caught so the broker lives on.
 */
export function createIngestPipeline(deps: IngestDeps) {
  const emitter = new EventEmitter<IngestEvents>();
  const { metrics, log } = deps;

  const enrichDevice: Step = (ctx) => {
    const result = identifyDevice(ctx.deviceId, deps.lookupDevice);
    if (!result.ok) return { action: 'drop', rejection: result.rejection };
    ctx.device = result.value;
    return CONTINUE;
  };

  const decode: Step = (ctx) => {
    const result = decodeMessage(ctx.payload, deps.limits);
    if (!result.ok) return { action: 'drop', rejection: result.rejection };
    ctx.decoded = result.value;
    return CONTINUE;
  };

  const validate: Step = (ctx) => {
    const result = validateDecoded(ctx.decoded, ctx.device!, ctx.channel, ctx.receivedAtMs);
    if (!result.ok) return { action: 'drop', rejection: result.rejection };
    if (result.value.ignoredFields.length > 0) metrics.fieldsIgnored.inc({ kind: ctx.device!.kind }, result.value.ignoredFields.length);
    if (result.value.clockReplaced) metrics.clockReplaced.inc();
    ctx.message = result.value.message;
    return CONTINUE;
  };

  /** Per device, the last message still waiting for its write to be kept before it is announced. */
  const waiting = new Map<string, Promise<void>>();

  /**
   * The last step: a reading is announced at once; an event or status once its write is kept. A
   * device's messages are announced, and so evaluated, in the order they came: a cabinet's door
   * closing must not be evaluated before the opening sent just before it.
   */
  const storeAndAnnounce = (ctx: IngestContext): StepResult | Promise<StepResult> => {
    const kept = storeMessage(deps, ctx.deviceId, ctx.message!, ctx.receivedAtMs, ctx.stored);
    if (kept === true) ctx.storedLater = true;
    const before = waiting.get(ctx.deviceId);
    if (typeof kept === 'boolean' && before === undefined) return announce(ctx);
    const written = typeof kept === 'boolean' ? undefined : kept;
    // A refusal is answered below, once the messages before it are announced; never left unhandled meanwhile.
    written?.catch(() => undefined);
    const ready = before === undefined ? written! : written === undefined ? before : before.then(() => written);
    const announced = ready.then(
      () => announce(ctx),
      (err: unknown) => {
        log.error({ err, deviceId: ctx.deviceId, topic: topicOf(ctx) }, 'the store refused a device message; not acknowledged');
        return INTERNAL_ERROR;
      },
    );
    const settled = announced.then(
      () => undefined,
      () => undefined,
    );
    waiting.set(ctx.deviceId, settled);
    void settled.then(() => {
      if (waiting.get(ctx.deviceId) === settled) waiting.delete(ctx.deviceId);
    });
    return announced;
  };

  const announce = (ctx: IngestContext): StepResult | Promise<StepResult> => {
    const handedOver = evaluate(ctx.message!, ctx.device!);
    if (handedOver === undefined) return tell(ctx);
    if (ctx.message!.channel === 'telemetry') {
      handedOver.catch((err: unknown) => log.warn({ err, deviceId: ctx.deviceId }, 'a reading could not be handed to the gateway that evaluates it'));
      return tell(ctx);
    }
    return handedOver.then(
      () => tell(ctx),
      (err: unknown) => {
        log.error({ err, deviceId: ctx.deviceId, topic: topicOf(ctx) }, 'a device message could not be handed to the gateway that evaluates it; not acknowledged');
        return INTERNAL_ERROR;
      },
    );
  };

  /** The listeners on the side hear of the message; it is counted as accepted. */
  const tell: Step = (ctx) => {
    const device = ctx.device!;
    const message = ctx.message!;
    switch (message.channel) {
      case 'telemetry':
        emit('readingAccepted', message.reading, device);
        break;
      case 'events':
        emit('eventAccepted', message.event, device);
        break;
      case 'status':
        emit('statusReported', message.status, device);
        break;
    }
    metrics.messagesAccepted.tally(ACCEPTED_LABELS[device.kind][message.channel]);
    return CONTINUE;
  };

  const steps: readonly Step[] = [enrichDevice, decode, validate];

  let evaluator: Evaluator | undefined;
  /**
   * The evaluate stage, before the listeners on the side hear of the message; what it raises may
   * settle later. Returns the hand-over when another gateway evaluates the message.
   */
  function evaluate(message: DecodedMessage, device: DeviceEntity): Promise<void> | undefined {
    if (evaluator === undefined) return undefined;
    try {
      const evaluated = evaluator(message, device);
      if (evaluated === undefined) return undefined;
      if ('handedOver' in evaluated) return evaluated.handedOver;
      evaluated.catch((err: unknown) => log.error({ err, deviceId: device.id }, 'raising what a stored message caused failed'));
    } catch (err) {
      log.error({ err, deviceId: device.id }, 'evaluating a stored message failed');
    }
    return undefined;
  }

  function emit<E extends keyof IngestEvents>(event: E, ...args: IngestEvents[E]): void {
    try {
      (emitter.emit as (e: E, ...a: IngestEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      log.error({ err, event }, 'a listener of ingested messages failed');
    }
  }

  /**
   * How every message ends: a refusal recorded; the acknowledgement given, unless the store of
   * record gives it at its commit; the time observed when `started` is not NOT_TIMED. A function of
   * its own, not a closure per message: tsx names each closure with a defineProperty call.
   */
  function finish(ctx: IngestContext, result: StepResult, started: number): StepResult {
    if (result.action === 'drop') deps.rejections.record(ctx.deviceId, ctx.device?.kind ?? 'unknown', result.rejection, topicOf(ctx), ctx.receivedAtMs);
    const stored = ctx.stored;
    if (stored !== undefined && ctx.storedLater !== true) {
      // A failure of ours (the disk refused an event) is not acknowledged: the device sends it again.
      if (result.action === 'drop' && result.rejection.reason === 'internal_error') stored(new Error(result.rejection.message));
      else stored();
    }
    if (started !== NOT_TIMED) metrics.ingestSeconds.observe((performance.now() - started) / 1000);
    return result;
  }

  let sinceTimed = 0;
  /**
   * Ingests one message. With `stored` (QoS 1 and 2), it is called once the message is stored:
   * a reading at its store's commit; an event or status once its write is kept; a dropped message
   * at once (it was counted and will never be stored, so a resend would not help). The result is a
   * promise for an event or status, settled once it is kept (or refused).
   */
  function ingest(deviceId: string, channel: InboundChannel, payload: Buffer, receivedAtMs: number, stored?: Committed): StepResult | Promise<StepResult> {
    const timed = ++sinceTimed === TIMING_SAMPLE_EVERY;
    if (timed) sinceTimed = 0;
    const started = timed ? performance.now() : NOT_TIMED;
    const ctx: IngestContext = stored === undefined ? { deviceId, channel, payload, receivedAtMs } : { deviceId, channel, payload, receivedAtMs, stored };
    const result = runSteps(ctx);
    if (!(result instanceof Promise)) return finish(ctx, result, started);
    return result.then((settled) => finish(ctx, settled, started)).catch((err: unknown) => {
      log.error({ err, deviceId, topic: topicOf(ctx) }, 'ingest failed on a bug after the store; message dropped');
      return INTERNAL_ERROR;
    });
  }

  function runSteps(ctx: IngestContext): StepResult | Promise<StepResult> {
    try {
      for (const step of steps) {
        const result = step(ctx);
        if (result.action === 'drop') return result;
      }
      return storeAndAnnounce(ctx);
    } catch (err) {
      log.error({ err, deviceId: ctx.deviceId, topic: topicOf(ctx) }, 'ingest failed on a bug; message dropped');
      return INTERNAL_ERROR;
    }
  }

  return {
    ingest,
    events: emitter,
    /** Sets the evaluate stage that every stored message runs through (gateway/evaluate/). */
    evaluateWith(stage: Evaluator): void {
      evaluator = stage;
    },
  };
}

export type IngestPipeline = ReturnType<typeof createIngestPipeline>;
