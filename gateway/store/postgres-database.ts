import pg from 'pg';

export type PostgresPool = pg.Pool;

/** Held for the whole migration: instances starting together on an empty database wait in turn. */
const MIGRATION_LOCK = 0x67770001;

/**
 * Ordered schema migrations for the shared PostgreSQL state store; each runs once, in the one
 * transaction that holds the migration lock, and is recorded. Never edit a shipped migration.
 */
const MIGRATIONS: readonly string[] = [
  // 1: readings, partitioned by device time one day a partition, so retention drops whole days.
  `
  CREATE SEQUENCE reading_seq;
  CREATE TABLE readings (
    device_id text NOT NULL,
    kind text NOT NULL,
    ts_ms bigint NOT NULL,
    received_at_ms bigint NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('reading_seq'),
    body jsonb NOT NULL
  ) PARTITION BY RANGE (ts_ms);
  CREATE INDEX readings_by_device_time ON readings (device_id, ts_ms, seq);
  `,
  // 2: the instances of a cluster and the leases on the partitions of the community they evaluate.
  `
  CREATE TABLE cluster_instances (
    id text PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    http_url text,
    stopped_at timestamptz
  );
  CREATE TABLE cluster_partitions (
    partition integer PRIMARY KEY,
    owner text,
    epoch bigint NOT NULL DEFAULT 0,
    lease_until timestamptz NOT NULL DEFAULT '-infinity'
  );
  INSERT INTO cluster_partitions (partition) SELECT generate_series(0, 63);
  `,
  // 3: the state the embedded store keeps, table for table (see sqlite-database.ts): tokens, device
  // state and refusals, rule state, the 120 handoffs and the access log.
  `
  CREATE TABLE tokens (
    id text PRIMARY KEY,
    hash text NOT NULL UNIQUE,
    role text NOT NULL,
    subject text,
    label text,
    created_at_ms bigint NOT NULL,
    revoked_at_ms bigint
  );
  CREATE TABLE device_events (
    seq bigserial PRIMARY KEY,
    device_id text NOT NULL,
    kind text NOT NULL,
    ts_ms bigint NOT NULL,
    received_at_ms bigint NOT NULL,
    body text NOT NULL
  );
  CREATE INDEX device_events_by_device_time ON device_events (device_id, ts_ms);
  CREATE TABLE device_status (
    device_id text PRIMARY KEY,
    online boolean NOT NULL,
    bat double precision,
    fw text,
    changed_at_ms bigint NOT NULL,
    last_seen_ms bigint
  );
  CREATE TABLE device_rejections (
    device_id text NOT NULL,
    reason text NOT NULL,
    count bigint NOT NULL,
    last_at_ms bigint NOT NULL,
    last_message text NOT NULL,
    PRIMARY KEY (device_id, reason)
  );
  CREATE TABLE rule_state (
    name text PRIMARY KEY,
    body text NOT NULL,
    saved_at_ms bigint NOT NULL
  );
  CREATE TABLE dispatch120_handoffs (
    alert_id text PRIMARY KEY,
    body text NOT NULL,
    state text NOT NULL,
    attempt integer NOT NULL DEFAULT 0,
    next_attempt_at_ms bigint NOT NULL,
    created_at_ms bigint NOT NULL,
    reference text,
    last_error text
  );
  CREATE INDEX dispatch120_handoffs_due ON dispatch120_handoffs (state, next_attempt_at_ms);
  CREATE TABLE access_log (
    seq bigserial PRIMARY KEY,
    at_ms bigint NOT NULL,
    actor text NOT NULL,
    role text NOT NULL,
    resident_id text NOT NULL,
    category text NOT NULL,
    action text NOT NULL,
    ground text NOT NULL
  );
  CREATE INDEX access_log_by_resident ON access_log (resident_id, at_ms);
  CREATE INDEX access_log_by_actor ON access_log (actor, at_ms);
  CREATE INDEX access_log_by_time ON access_log (at_ms);
  CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$;
  CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
  `,
  // 4: drills and each person's first ack.
  `
  CREATE TABLE drills (
    id text PRIMARY KEY,
    grid text NOT NULL,
    started_at_ms bigint NOT NULL,
    body text NOT NULL
  );
  CREATE INDEX drills_by_grid_time ON drills (grid, started_at_ms);
  CREATE TABLE drill_acks (
    drill_id text NOT NULL,
    person text NOT NULL,
    at_ms bigint NOT NULL,
    PRIMARY KEY (drill_id, person)
  );
  `,
  // 5: alerts with their timelines and the pager's outbox; emergencies from outside and theirs.
  `
  CREATE TABLE alerts (
    id text PRIMARY KEY,
    kind text NOT NULL,
    subject text NOT NULL,
    grid text NOT NULL,
    dedup_key text NOT NULL,
    state text NOT NULL,
    severity text NOT NULL,
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    body text NOT NULL
  );
  CREATE UNIQUE INDEX alerts_one_active ON alerts (dedup_key) WHERE state <> 'resolved';
  CREATE INDEX alerts_by_subject ON alerts (subject, created_at_ms);
  CREATE INDEX alerts_by_state ON alerts (state);
  CREATE INDEX alerts_by_created ON alerts (created_at_ms);
  CREATE TABLE page_jobs (
    id bigserial PRIMARY KEY,
    alert_id text NOT NULL,
    step integer,
    reason text NOT NULL,
    role text NOT NULL,
    routes text NOT NULL,
    route_index integer NOT NULL DEFAULT 0,
    attempt integer NOT NULL DEFAULT 0,
    state text NOT NULL,
    next_attempt_at_ms bigint NOT NULL,
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    last_error text
  );
  CREATE INDEX page_jobs_due ON page_jobs (state, next_attempt_at_ms);
  CREATE INDEX page_jobs_by_alert ON page_jobs (alert_id);
  CREATE TABLE emergencies (
    id text PRIMARY KEY,
    ref text NOT NULL UNIQUE,
    state text NOT NULL,
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    body text NOT NULL
  );
  CREATE INDEX emergencies_by_state ON emergencies (state);
  CREATE INDEX emergencies_by_created ON emergencies (created_at_ms);
  CREATE TABLE emergency_messages (
    id bigserial PRIMARY KEY,
    emergency_id text NOT NULL,
    purpose text NOT NULL,
    routes text NOT NULL,
    body text NOT NULL,
    route_index integer NOT NULL DEFAULT 0,
    attempt integer NOT NULL DEFAULT 0,
    state text NOT NULL,
    next_attempt_at_ms bigint NOT NULL,
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    last_error text
  );
  CREATE INDEX emergency_messages_due ON emergency_messages (state, next_attempt_at_ms);
  `,
  // 6: the index's hourly history, its engine state and the counted hourly means.
  `
  CREATE TABLE aqhi_hourly (
    station_id text NOT NULL,
    hour_start_ms bigint NOT NULL,
    value double precision,
    band integer,
    high boolean NOT NULL,
    provisional boolean NOT NULL,
    profile text NOT NULL,
    body text NOT NULL,
    updated_at_ms bigint NOT NULL,
    PRIMARY KEY (station_id, hour_start_ms)
  );
  CREATE TABLE aqhi_state (
    key text PRIMARY KEY,
    body text NOT NULL,
    saved_at_ms bigint NOT NULL
  );
  CREATE TABLE aqhi_hour_means (
    station_id text NOT NULL,
    hour_start_ms bigint NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (station_id, hour_start_ms)
  );
  `,
  // 7: the index's daily reports, every revision kept.
  `
  CREATE TABLE aqhi_daily_reports (
    scope text NOT NULL,
    subject text NOT NULL,
    date text NOT NULL,
    revision integer NOT NULL,
    body text NOT NULL,
    issued_at_ms bigint NOT NULL,
    PRIMARY KEY (scope, subject, date, revision)
  );
  `,
  // 8: forecasts kept for scoring, and the bureau's official forecasts.
  `
  CREATE TABLE aqhi_forecast_log (
    station_id text NOT NULL,
    issued_hour_ms bigint NOT NULL,
    lead_hours integer NOT NULL,
    target_hour_ms bigint NOT NULL,
    model double precision,
    persistence double precision,
    PRIMARY KEY (station_id, issued_hour_ms, lead_hours)
  );
  CREATE INDEX aqhi_forecast_log_by_target ON aqhi_forecast_log (station_id, target_hour_ms);
  CREATE TABLE aqhi_official_forecasts (
    station_id text PRIMARY KEY,
    body text NOT NULL,
    issued_at_ms bigint NOT NULL,
    valid_until_ms bigint NOT NULL
  );
  `,
  // 9: phones' sign-in sessions (hashes only) and the gateway's own settings (signing keys).
  `
  CREATE TABLE device_sessions (
    id text PRIMARY KEY,
    hash text NOT NULL UNIQUE,
    token_id text NOT NULL,
    role text NOT NULL,
    subject text,
    csrf_hash text NOT NULL,
    device text,
    created_at_ms bigint NOT NULL,
    last_used_at_ms bigint NOT NULL,
    revoked_at_ms bigint
  );
  CREATE INDEX device_sessions_token ON device_sessions (token_id);
  CREATE INDEX device_sessions_person ON device_sessions (role, subject);
  CREATE TABLE settings (
    key text PRIMARY KEY,
    value text NOT NULL
  );
  `,
  // 10: the registry (entries in the order first written), device secret hashes and the provision
  // load's proofs; residents' sharing choices as recorded (append-only); what stays of those who left.
  `
  CREATE TABLE registry (
    collection text NOT NULL,
    id text NOT NULL,
    seq bigserial NOT NULL,
    body text NOT NULL,
    updated_at_ms bigint NOT NULL,
    PRIMARY KEY (collection, id)
  );
  CREATE TABLE device_secrets (
    device_id text PRIMARY KEY,
    hash text NOT NULL
  );
  CREATE TABLE secret_proofs (
    bucket integer PRIMARY KEY,
    proof text NOT NULL,
    hashes_digest text NOT NULL,
    members text
  );
  CREATE TABLE sharing_records (
    seq bigserial PRIMARY KEY,
    resident_id text NOT NULL,
    choices text NOT NULL,
    recorded_by text NOT NULL,
    recorded_at_ms bigint NOT NULL,
    basis text NOT NULL,
    form_ref text
  );
  CREATE INDEX sharing_records_by_resident ON sharing_records (resident_id, seq);
  CREATE FUNCTION sharing_records_append_only() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'sharing records are append-only'; END $$;
  CREATE TRIGGER sharing_records_no_update BEFORE UPDATE ON sharing_records
    FOR EACH ROW EXECUTE FUNCTION sharing_records_append_only();
  CREATE TABLE departed_alert_counts (
    month text NOT NULL,
    grid text NOT NULL,
    kind text NOT NULL,
    severity text NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (month, grid, kind, severity)
  );
  CREATE TABLE departures (
    month text NOT NULL,
    grid text NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (month, grid)
  );
  `,
  // 11: the registry's version, moved by every write whoever makes it: each gateway's copy of the
  // registry follows the others' writes, and a write checked against an old copy is refused.
  `
  CREATE TABLE registry_version (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL
  );
  INSERT INTO registry_version (version) VALUES (0);
  `,
  // 12: which pager holds a page job while it sends it, and until when: the instances share one
  // outbox and a job is sent by one of them (claimed with FOR UPDATE SKIP LOCKED).
  `
  ALTER TABLE page_jobs ADD COLUMN claimed_by text;
  ALTER TABLE page_jobs ADD COLUMN claimed_until_ms bigint;
  `,
  // 13: the version that last wrote each registry entry and secret, and that deleted each removed
  // entry: a gateway reads only what others changed since its copy, not the whole registry again.
  `
  ALTER TABLE registry ADD COLUMN version bigint NOT NULL DEFAULT 0;
  ALTER TABLE device_secrets ADD COLUMN version bigint NOT NULL DEFAULT 0;
  CREATE INDEX registry_by_version ON registry (version);
  CREATE INDEX device_secrets_by_version ON device_secrets (version);
  CREATE TABLE registry_deletions (
    collection text NOT NULL,
    id text NOT NULL,
    version bigint NOT NULL,
    PRIMARY KEY (collection, id)
  );
  CREATE INDEX registry_deletions_by_version ON registry_deletions (version);
  `,
  // 14: messages stored by one gateway for the rules of a partition another one evaluates, kept
  // until the owner has evaluated them (its successor takes what a dead owner left).
  `
  CREATE TABLE evaluation_inbox (
    id bigserial PRIMARY KEY,
    partition integer NOT NULL,
    device_id text NOT NULL,
    message text NOT NULL,
    received_at_ms bigint NOT NULL
  );
  CREATE INDEX evaluation_inbox_by_partition ON evaluation_inbox (partition, id);
  `,
  // 15: which gateway holds an emergency message or a 120 handoff while it sends it, and until
  // when: those outboxes are shared too, and each is sent by one of them (as the page outbox, 12).
  `
  ALTER TABLE emergency_messages ADD COLUMN claimed_by text;
  ALTER TABLE emergency_messages ADD COLUMN claimed_until_ms bigint;
  ALTER TABLE dispatch120_handoffs ADD COLUMN claimed_by text;
  ALTER TABLE dispatch120_handoffs ADD COLUMN claimed_until_ms bigint;
  `,
  // 16: an event or status in the inbox is evaluated before the readings ahead of it: a fall
  // forwarded at 10,000 readings/s must not wait for the readings queued before it.
  `
  ALTER TABLE evaluation_inbox ADD COLUMN urgent boolean NOT NULL DEFAULT false;
  `,
  // 17: Node-RED's flows and their encrypted credentials, the same on every gateway: a deploy on
  // one is run by all (one row; each save raises the revision).
  `
  CREATE TABLE node_red_flows (
    id integer PRIMARY KEY CHECK (id = 1),
    flows text NOT NULL,
    credentials text,
    revision bigint NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  `,
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * A pool on `DATABASE_URL`; an idle connection's error is the pool's to replace, not a crash. A
 * query the server does not answer (a frozen server, a cut network) fails after `queryTimeoutMs`
 * instead of holding up everything queued behind it: the alert service's changes run one at a time.
 */
export function openPostgres(url: string, options: { max?: number; queryTimeoutMs?: number; onError?: (err: Error) => void } = {}): PostgresPool {
  const queryTimeoutMs = options.queryTimeoutMs ?? 20_000;
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 5_000, query_timeout: queryTimeoutMs, statement_timeout: queryTimeoutMs });
  pool.on('error', (err) => options.onError?.(err));
  return pool;
}

/**
 * Brings the schema up to date. Safe when several instances start at the same moment on an empty
 * database: the first takes the lock and migrates, the others wait for it and find nothing to do.
 */
export async function migratePostgres(pool: PostgresPool): Promise<{ applied: number; version: number }> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const current = rows[0]?.version ?? 0;
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version - 1]!);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    }
    // A newer instance may have migrated further (a rolling upgrade): nothing to do here.
    return { applied: Math.max(0, MIGRATIONS.length - current), version: Math.max(current, MIGRATIONS.length) };
  });
}

/** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
export async function inTransaction<T>(pool: PostgresPool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
