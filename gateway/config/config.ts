import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import YAML from 'yaml';
import { Channel } from '../registry/schemas.js';
import type { GatewayErrorCode } from '../errors/gateway-errors.js';
import { describeSchemaErrors } from '../errors/schema-errors.js';

/** An admin token is guessed over the network: 32 characters of a random token are beyond reach. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

/** Configuration `map.routing`: an OSRM-compatible routing service for walking routes on the map. */
const RoutingSchema = Type.Object(
  {
    /** The service's base, e.g. http://osrm.local:5000 (GET {url}/route/v1/{profile}/{lon},{lat};{lon},{lat}). */
    url: Type.String({ pattern: '^https?://[^/\\s]+[^\\s]*$' }),
    /** The walking profile's name on that service. */
    profile: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' })),
    /** A route not answered by then: the straight line is shown. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

/** Every safety limit is a named option with a chosen value (STYLE.md: aedes). */
export const ConfigSchema = Type.Object(
  {
    mqttPort: Port,
    mqttWsPort: Port,
    httpPort: Port,
    host: Type.String({ minLength: 1 }),
    dataDir: Type.String({ minLength: 1 }),
    provision: Type.Optional(Type.String({ minLength: 1 })),
    adminToken: Type.Optional(Type.String({ minLength: MIN_ADMIN_TOKEN_LENGTH })),
    logLevel: Type.Union([
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ]),
    influx: Type.Optional(
      Type.Object(
        {
          url: Type.String({ minLength: 1 }),
          token: Type.String(),
          org: Type.String({ minLength: 1 }),
          bucket: Type.String({ minLength: 1 }),
          /** Lines kept for retry while the server is unreachable; the oldest go first. */
          maxBufferLines: Type.Integer({ minimum: 100 }),
          flushIntervalMs: Type.Integer({ minimum: 10 }),
          batchSize: Type.Integer({ minimum: 1 }),
          /** Wait before the first retry of a failed write, doubling up to maxRetryDelayMs. */
          minRetryDelayMs: Type.Integer({ minimum: 10 }),
          maxRetryDelayMs: Type.Integer({ minimum: 10 }),
        },
        { additionalProperties: false },
      ),
    ),
    redisUrl: Type.Optional(Type.String({ minLength: 1 })),
    /** DATABASE_URL: the gateway's state in PostgreSQL instead of the embedded SQLite file (several instances). */
    databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** This instance's name in logs and `/api/cluster` (NODE_ID); default host name and HTTP port. */
    nodeId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    cluster: Type.Object(
      {
        /** The longest an instance's work stays unowned after it dies (the lease on its partitions). */
        failoverS: Type.Integer({ minimum: 3, maximum: 600 }),
      },
      { additionalProperties: false },
    ),
    broker: Type.Object(
      {
        /** Seconds a socket may take to send CONNECT. */
        connectTimeoutMs: Type.Integer({ minimum: 100 }),
        /** Longest keepalive a client may ask for, in seconds. */
        keepaliveLimitS: Type.Integer({ minimum: 1 }),
        /** Packets queued per client while it authenticates. */
        queueLimit: Type.Integer({ minimum: 1 }),
        /** Parallel deliveries per client. */
        concurrency: Type.Integer({ minimum: 1 }),
        /** How long a slow consumer may block its socket before it is dropped. */
        drainTimeoutMs: Type.Integer({ minimum: 100 }),
        /** Bytes waiting to be written to one client (an app that stopped reading); past it, it is disconnected. */
        maxQueuedBytesPerClient: Type.Integer({ minimum: 16 * 1024 }),
        maxTopicLevels: Type.Integer({ minimum: 3, maximum: 100 }),
        maxPayloadBytes: Type.Integer({ minimum: 64 }),
        /** Largest MQTT packet (any client, before and after CONNECT), refused at its fixed header. */
        maxPacketBytes: Type.Integer({ minimum: 1024, maximum: 268_435_455 }),
        /** Connections from one address that have not authenticated yet (a NAT may hide many devices). */
        maxUnauthenticatedPerAddress: Type.Integer({ minimum: 1 }),
        maxPayloadDepth: Type.Integer({ minimum: 1, maximum: 64 }),
        /** Device secrets checked against their slow hash at once (each takes a core for tens of ms). */
        slowSecretChecks: Type.Integer({ minimum: 1, maximum: 64 }),
        /** Logins waiting for a slow check; beyond it they are refused with CONNACK 3 (try later). */
        slowSecretQueue: Type.Integer({ minimum: 0 }),
        /** Back-off on failed MQTT logins, per address and per client id (as http.loginBackoff is per address). */
        loginBackoff: Type.Object(
          {
            freeFailures: Type.Integer({ minimum: 1 }),
            baseDelayMs: Type.Integer({ minimum: 1 }),
            maxDelayMs: Type.Integer({ minimum: 1 }),
            forgetAfterS: Type.Integer({ minimum: 1 }),
          },
          { additionalProperties: false },
        ),
        /** scrypt cost for new device secret hashes (a power of two). */
        secretHashCost: Type.Integer({ minimum: 1024 }),
        /** With REDIS_URL: how long the start waits for Redis before giving up. */
        redisConnectTimeoutMs: Type.Integer({ minimum: 100 }),
      },
      { additionalProperties: false },
    ),
    telemetry: Type.Object(
      {
        retentionDays: Type.Number({ exclusiveMinimum: 0 }),
        /** Readings waiting for the embedded store; beyond this the oldest are dropped and counted. */
        queueLimit: Type.Integer({ minimum: 100 }),
        flushIntervalMs: Type.Integer({ minimum: 5 }),
        /** QoS 1 readings waiting for their PUBACK that start a commit at once, before the flush timer. */
        batchSize: Type.Integer({ minimum: 1 }),
      },
      { additionalProperties: false },
    ),
    http: Type.Object(
      {
        bodyLimitBytes: Type.Integer({ minimum: 1024 }),
        /** Wrong tokens per address: after `freeFailures`, each waits twice as long as the last. */
        loginBackoff: Type.Object(
          {
            freeFailures: Type.Integer({ minimum: 1 }),
            baseDelayMs: Type.Integer({ minimum: 1 }),
            maxDelayMs: Type.Integer({ minimum: 1 }),
            forgetAfterS: Type.Integer({ minimum: 1 }),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    /** The emergency map's base layer; without it the map is drawn offline from the provision data. */
    map: Type.Optional(
      Type.Object(
        {
          tiles: Type.Optional(
            Type.Object(
              {
                /** An XYZ template: the city's GIS tile service or a local tile server, e.g. http://tiles.local/{z}/{x}/{y}.png */
                url: Type.String({ pattern: '^https?://[^/]+/.*\\{z\\}.*\\{x\\}.*\\{y\\}' }),
                /** Shown on the map, as the tiles' licence asks. */
                attribution: Type.String({ maxLength: 300 }),
                maxZoom: Type.Integer({ minimum: 1, maximum: 22 }),
              },
              { additionalProperties: false },
            ),
          ),
          routing: Type.Optional(RoutingSchema),
        },
        { additionalProperties: false },
      ),
    ),
    alerts: Type.Object(
      {
        /** How often rule timers, escalation steps and page retries are looked at. */
        tickMs: Type.Integer({ minimum: 50, maximum: 60_000 }),
        /** Low-severity alerts raised in these local hours wait for the morning digest. */
        quietHours: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-4]):[0-5]\\d$' }),
        repageAckedCriticalAfterS: Type.Integer({ minimum: 60 }),
        /** Notes people may add to one alert (each at most 2000 characters); more are refused. */
        maxNotesPerAlert: Type.Integer({ minimum: 1, maximum: 10_000 }),
      },
      { additionalProperties: false },
    ),
    pager: Type.Object(
      {
        /** A webhook or SMS gateway that has not answered by then counts as failed. */
        timeoutMs: Type.Integer({ minimum: 50, maximum: 120_000 }),
        /** Attempts per channel before the next channel is tried. */
        maxAttempts: Type.Integer({ minimum: 1, maximum: 10 }),
        /** Wait before the second attempt, doubling after that. */
        backoffMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
        /** Where people reach this gateway (the ack links in pages); default http://localhost:HTTP_PORT. */
        publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
        /** How long the ack and dispatch links in a page work. */
        ackLinkTtlS: Type.Integer({ minimum: 60, maximum: 30 * 24 * 3600 }),
        sms: Type.Optional(
          Type.Object(
            {
              url: Type.String({ pattern: '^https?://' }),
              contentType: Type.Union([Type.Literal('application/json'), Type.Literal('application/x-www-form-urlencoded')]),
              bodyTemplate: Type.String({ minLength: 1 }),
              headers: Type.Optional(Type.Record(Type.String(), Type.String())),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    aqhi: Type.Object(
      {
        /** Local time at which the day before is reported (daily index reports). */
        dailyIssueAt: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }),
        /** Counted hours a day's report needs to be complete (GB 3095: 20 of 24 for a daily mean). */
        dailyRequiredHours: Type.Integer({ minimum: 1, maximum: 24 }),
        /** Local time of the morning notice to grids whose district is forecast high. */
        forecastNoticeAt: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }),
      },
      { additionalProperties: false },
    ),
    bins: Type.Object(
      {
        /** A bin at or above this fill (%) pages its grid's sanitation workers. */
        fullAtPercent: Type.Number({ minimum: 1, maximum: 100 }),
        /** Below this fill (%) it has been emptied: the alert resolves. */
        emptiedBelowPercent: Type.Number({ minimum: 0, maximum: 99 }),
        /** Local hours in which a full bin may page (`HH:MM-HH:MM`); outside them the page waits. */
        workingHours: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-4]):[0-5]\\d$' }),
      },
      { additionalProperties: false },
    ),
    emergencies: Type.Object(
      {
        /** The emergency centre's system: every change of an emergency goes to these channels (webhook, sms, mqtt), first reachable. */
        centre: Type.Array(Channel),
        /** How long an unlocked cabinet stays open for the responder it was unlocked for. */
        unlockValidS: Type.Integer({ minimum: 30, maximum: 3600 }),
        /** AEDs farther than this from the patient are not fetched. */
        aedSearchM: Type.Integer({ minimum: 50, maximum: 5000 }),
        /** A fall or SOS followed within this many seconds by no pulse and no motion on a worn bracelet is a cardiac arrest. */
        arrestAfterFallS: Type.Integer({ minimum: 10, maximum: 600 }),
        /** A responder on the way is told to the centre at most once per this many seconds (their latest place); 0: never. */
        positionEveryS: Type.Integer({ minimum: 0, maximum: 3600 }),
        /** A responder who accepted an AED run and neither moves nor answers for this many seconds drops out: the AED goes to someone else; 0: never. */
        aedRunSilentS: Type.Integer({ minimum: 0, maximum: 3600 }),
      },
      { additionalProperties: false },
    ),
    nodeRed: Type.Object(
      {
        /** Node-RED under /red; the gateway's own rules and paging never depend on it. */
        enabled: Type.Boolean(),
        /** Gateway messages (readings, events, alerts, index updates) one flow takes per second; more are dropped and counted. */
        messagesPerSecondPerFlow: Type.Integer({ minimum: 1, maximum: 100_000 }),
        /** Alerts raised and pages sent by one flow per minute; more are refused. */
        actionsPerMinutePerFlow: Type.Integer({ minimum: 1, maximum: 10_000 }),
        /** Gateway messages waiting for flows; beyond this the oldest are dropped and counted. */
        queueLimit: Type.Integer({ minimum: 10 }),
        /** Longest a function node may run per message; it blocks the whole process meanwhile. */
        functionTimeoutS: Type.Number({ exclusiveMinimum: 0, maximum: 60 }),
        /** Messages one flow may pass between its own nodes per second; beyond it the flow is a runaway (a loop). */
        hopsPerSecondPerFlow: Type.Integer({ minimum: 10 }),
        /** A flow that ran into a function time limit or ran away gets no messages for this long. */
        pauseAfterTimeoutS: Type.Integer({ minimum: 0 }),
        /** How long an editor login (the HttpOnly cookie) lasts. */
        sessionTtlS: Type.Integer({ minimum: 60 }),
        startTimeoutMs: Type.Integer({ minimum: 1000 }),
        /** Core nodes that reach the host (run commands, read and write files, watch them); off unless listed. */
        hostAccessNodes: Type.Array(Type.Union([Type.Literal('exec'), Type.Literal('file'), Type.Literal('watch')]), { uniqueItems: true }),
        /** The user Node-RED's process runs as when the gateway runs as root (a name, or uid:gid); never root. */
        user: Type.String({ minLength: 1 }),
        /** Node-RED's process beats every second; this long without a beat (a flow blocks it) and it is killed and started again. */
        heartbeatTimeoutMs: Type.Integer({ minimum: 2000 }),
        /** Restarts wait 1 s, then twice as long each time, up to this; reset once it has run for a minute. */
        restartBackoffMaxMs: Type.Integer({ minimum: 1000 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type GatewayConfig = Static<typeof ConfigSchema>;

export const DEFAULT_CONFIG: GatewayConfig = {
  mqttPort: 1883,
  mqttWsPort: 8083,
  httpPort: 8080,
  host: '0.0.0.0',
  dataDir: './data',
  logLevel: 'info',
  broker: {
    connectTimeoutMs: 10_000,
    keepaliveLimitS: 1200,
    queueLimit: 42,
    concurrency: 100,
    drainTimeoutMs: 30_000,
    maxQueuedBytesPerClient: 1024 * 1024,
    maxTopicLevels: 8,
    maxPayloadBytes: 16 * 1024,
    maxPacketBytes: 64 * 1024,
    maxUnauthenticatedPerAddress: 500,
    maxPayloadDepth: 8,
    slowSecretChecks: 2,
    slowSecretQueue: 16,
    loginBackoff: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 300_000, forgetAfterS: 900 },
    secretHashCost: 16_384,
    redisConnectTimeoutMs: 10_000,
  },
  telemetry: { retentionDays: 30, queueLimit: 100_000, flushIntervalMs: 100, batchSize: 1000 },
  http: { bodyLimitBytes: 1024 * 1024, loginBackoff: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 300_000, forgetAfterS: 900 } },
  alerts: { tickMs: 1000, quietHours: '22:00-07:00', repageAckedCriticalAfterS: 1800, maxNotesPerAlert: 100 },
  pager: { timeoutMs: 5000, maxAttempts: 3, backoffMs: 2000, ackLinkTtlS: 24 * 3600 },
  cluster: { failoverS: 15 },
  emergencies: { centre: [], unlockValidS: 300, aedSearchM: 1000, arrestAfterFallS: 60, positionEveryS: 30, aedRunSilentS: 120 },
  aqhi: { dailyIssueAt: '01:00', dailyRequiredHours: 20, forecastNoticeAt: '07:00' },
  bins: { fullAtPercent: 90, emptiedBelowPercent: 30, workingHours: '08:00-18:00' },
  nodeRed: {
    enabled: true,
    messagesPerSecondPerFlow: 50,
    actionsPerMinutePerFlow: 60,
    queueLimit: 10_000,
    functionTimeoutS: 1,
    hopsPerSecondPerFlow: 1000,
    pauseAfterTimeoutS: 60,
    sessionTtlS: 12 * 3600,
    startTimeoutMs: 30_000,
    hostAccessNodes: [],
    user: 'nobody',
    heartbeatTimeoutMs: 10_000,
    restartBackoffMaxMs: 60_000,
  },
};

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly gatewayCode: GatewayErrorCode = 'GW_ERR_CONFIG_INVALID',
  ) {
    super(message);
  }
}

type Env = Record<string, string | undefined>;

/** The environment names of CONTRACT.md §1; they override the file. */
function envOverrides(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const port = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    if (!/^\d+$/.test(raw)) throw new ConfigError(`${name}=${raw} is not a port number (0-65535; 0 picks a free port)`);
    return Number(raw);
  };
  const set = (key: string, value: unknown): void => {
    if (value !== undefined && value !== '') out[key] = value;
  };
  set('mqttPort', port('MQTT_PORT'));
  set('mqttWsPort', port('MQTT_WS_PORT'));
  set('httpPort', port('HTTP_PORT'));
  set('dataDir', env.DATA_DIR);
  set('provision', env.PROVISION);
  set('adminToken', env.ADMIN_TOKEN);
  set('logLevel', env.LOG_LEVEL);
  set('redisUrl', env.REDIS_URL);
  set('databaseUrl', env.DATABASE_URL);
  set('nodeId', env.NODE_ID);
  set('host', env.HOST);
  if (env.INFLUX_URL) {
    out.influx = {
      url: env.INFLUX_URL,
      token: env.INFLUX_TOKEN ?? '',
      org: env.INFLUX_ORG ?? '',
      bucket: env.INFLUX_BUCKET ?? '',
    };
  }
  return out;
}

function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value) && typeof prev === 'object' && prev !== null
        ? mergeDeep(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

const INFLUX_DEFAULTS = { maxBufferLines: 50_000, flushIntervalMs: 1000, batchSize: 1000, minRetryDelayMs: 500, maxRetryDelayMs: 30_000 };

export function parseConfigFile(filePath: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${filePath}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = filePath.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`config file ${filePath}: ${(err as Error).message}`);
  }
}

/** Defaults, then the file, then the environment; the result is validated as a whole. */
export function loadConfig(options: { file?: string; env?: Env; overrides?: Record<string, unknown> } = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const fromFile = options.file === undefined ? {} : parseConfigFile(options.file);
  let merged = mergeDeep(DEFAULT_CONFIG as unknown as Record<string, unknown>, fromFile);
  merged = mergeDeep(merged, envOverrides(env));
  merged = mergeDeep(merged, options.overrides ?? {});
  if (merged.influx !== undefined) merged.influx = { ...INFLUX_DEFAULTS, ...(merged.influx as object) };
  const adminToken = merged.adminToken;
  if (typeof adminToken === 'string' && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `ADMIN_TOKEN (adminToken) has ${adminToken.length} characters; it needs at least ${MIN_ADMIN_TOKEN_LENGTH} (for example: openssl rand -base64 32), or leave it unset and the gateway makes one`,
    );
  }
  const routing = (merged.map as Record<string, unknown> | undefined)?.routing;
  if (routing !== undefined && !Value.Check(RoutingSchema, routing)) {
    throw new ConfigError(`invalid configuration: map.routing: ${describeSchemaErrors(RoutingSchema, routing).join('; ')}`, 'GW_ERR_CONFIG_ROUTING');
  }
  if (!Value.Check(ConfigSchema, merged)) {
    throw new ConfigError(`invalid configuration: ${describeSchemaErrors(ConfigSchema, merged).join('; ')}`);
  }
  const { maxPacketBytes, maxPayloadBytes } = (merged as GatewayConfig).broker;
  // A PUBLISH carries its topic besides the payload: room for both.
  if (maxPacketBytes < maxPayloadBytes + 1024) {
    throw new ConfigError(`invalid configuration: broker.maxPacketBytes (${maxPacketBytes}) must be at least broker.maxPayloadBytes + 1024 (${maxPayloadBytes + 1024})`);
  }
  // Relative paths in a config file are relative to that file.
  const base = options.file === undefined ? process.cwd() : path.dirname(path.resolve(options.file));
  const config = merged as GatewayConfig;
  const fileHad = (key: string): boolean => Object.hasOwn(fromFile, key) && !Object.hasOwn(envOverrides(env), key);
  if (fileHad('dataDir')) config.dataDir = path.resolve(base, config.dataDir);
  if (config.provision !== undefined && fileHad('provision')) config.provision = path.resolve(base, config.provision);
  return config;
}
