import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type CounterConfiguration, type LabelValues } from 'prom-client';

/**
 * A counter for the per-message path. prom-client hashes the labels on every `inc`; here an
 * increment is one addition under a label object the caller keeps (identity is the key), and the
 * totals reach the counter when it is collected (a scrape, or `get()`).
 */
export class TalliedCounter<L extends string> extends Counter<L> {
  private readonly pending = new Map<LabelValues<L>, number>();

  constructor(config: Omit<CounterConfiguration<L>, 'collect'>) {
    super({
      ...config,
      collect: () => {
        for (const [labels, n] of this.pending) this.inc(labels, n);
        this.pending.clear();
      },
    });
  }

  /** Adds n under `labels`; pass the same object for the same labels. */
  tally(labels: LabelValues<L>, n = 1): void {
    this.pending.set(labels, (this.pending.get(labels) ?? 0) + n);
  }
}

/** A gauge read when collected, for values the hot path would otherwise set on every message. */
function probedGauge(name: string, help: string, registry: Registry): Gauge & { probe: () => number } {
  const gauge = new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(gauge.probe());
    },
  }) as Gauge & { probe: () => number };
  gauge.probe = () => 0;
  return gauge;
}

/** Every gateway metric in one place, on a registry of its own (several gateways can share a process in tests). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_process_' });
  const m = {
    registry,
    connectionsRefused: new Counter({
      name: 'gateway_mqtt_connections_refused_total',
      help: 'MQTT CONNECTs refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    secretSlowChecks: new Counter({
      name: 'gateway_device_secret_slow_checks_total',
      help: 'Device secrets checked against their slow hash at CONNECT (each device once per start, unless the provision file confirmed it)',
      registers: [registry],
    }),
    clientsConnected: new Gauge({ name: 'gateway_mqtt_clients_connected', help: 'MQTT clients connected now (devices and apps)', registers: [registry] }),
    slowClientsDropped: new Counter({
      name: 'gateway_mqtt_slow_clients_dropped_total',
      help: 'MQTT clients disconnected because their outgoing buffer passed broker.maxQueuedBytesPerClient',
      registers: [registry],
    }),
    aclDenied: new Counter({
      name: 'gateway_mqtt_acl_denied_total',
      help: 'PUBLISH or SUBSCRIBE refused by the topic ACL',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
    connectionsGuarded: new Counter({
      name: 'gateway_mqtt_connections_guarded_total',
      help: 'Connections closed before authenticating: a packet over broker.maxPacketBytes, or too many unauthenticated from one address',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    retainIgnored: new Counter({
      name: 'gateway_mqtt_retain_ignored_total',
      help: 'Device PUBLISHes with the retain flag (devices do not retain); ingested, never kept',
      registers: [registry],
    }),
    messagesAccepted: new TalliedCounter({
      name: 'gateway_ingest_accepted_total',
      help: 'Device messages decoded, validated and accepted',
      labelNames: ['kind', 'channel'] as const,
      registers: [registry],
    }),
    messagesRejected: new Counter({
      name: 'gateway_ingest_rejected_total',
      help: 'Device messages refused (per-device counts are in the device stats)',
      labelNames: ['kind', 'reason'] as const,
      registers: [registry],
    }),
    fieldsIgnored: new Counter({
      name: 'gateway_ingest_ignored_fields_total',
      help: 'Payload fields the schema does not know, left out of readings',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    clockReplaced: new Counter({
      name: 'gateway_ingest_clock_replaced_total',
      help: 'Messages whose device timestamp was implausible and replaced by the receive time',
      registers: [registry],
    }),
    ingestSeconds: new Histogram({
      name: 'gateway_ingest_seconds',
      help: 'Time from PUBLISH to accepted, for one message in 16 (timing every message would cost more than a lot of the work it times)',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [registry],
    }),
    telemetryQueued: probedGauge('gateway_telemetry_queue_length', 'Readings waiting for the embedded store', registry),
    telemetryDropped: new Counter({
      name: 'gateway_telemetry_dropped_total',
      help: 'Readings dropped, oldest first, because a bounded buffer was full',
      labelNames: ['sink'] as const,
      registers: [registry],
    }),
    telemetryWritten: new Counter({
      name: 'gateway_telemetry_written_total',
      help: 'Readings written by each sink',
      labelNames: ['sink'] as const,
      registers: [registry],
    }),
    telemetryWriteErrors: new Counter({
      name: 'gateway_telemetry_write_errors_total',
      help: 'Failed writes to a sink (retried where the sink retries)',
      labelNames: ['sink'] as const,
      registers: [registry],
    }),
    alertsRaised: new Counter({
      name: 'gateway_alerts_raised_total',
      help: 'Alerts opened, by kind and severity (repeats of an open alert are not counted)',
      labelNames: ['kind', 'severity'] as const,
      registers: [registry],
    }),
    alertsActive: new Gauge({ name: 'gateway_alerts_active', help: 'Alerts open or acked now', registers: [registry] }),
    pageAttempts: new Counter({
      name: 'gateway_page_attempts_total',
      help: 'Page deliveries tried, by channel and outcome',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    pagesUndeliverable: new Counter({
      name: 'gateway_pages_undeliverable_total',
      help: 'Pages that reached nobody after every channel of every candidate was tried',
      registers: [registry],
    }),
    walkingRouteFailures: new Counter({
      name: 'gateway_walking_route_failures_total',
      help: 'Walking routes the routing service (map.routing) did not give, by reason (unreachable, timeout, refused, no_route); the map showed the straight line',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    pagesPending: new Gauge({ name: 'gateway_pages_pending', help: 'Pages waiting to be sent or retried', registers: [registry] }),
    aedReadiness: new Gauge({
      name: 'gateway_aed_readiness_ratio',
      help: 'Share of a grid’s AEDs that are ready and accessible now',
      labelNames: ['grid'] as const,
      registers: [registry],
    }),
    emergenciesCreated: new Counter({
      name: 'gateway_emergencies_created_total',
      help: 'Emergencies created, by source (centre, gateway, worker); a repeated centre reference is not counted',
      labelNames: ['source', 'kind'] as const,
      registers: [registry],
    }),
    emergencyRequestsRejected: new Counter({
      name: 'gateway_emergency_requests_rejected_total',
      help: 'Emergency requests refused (bad body, unknown emergency, answer not applicable), by code and role',
      labelNames: ['code', 'role'] as const,
      registers: [registry],
    }),
    emergencyTimeToFirstAccept: new Histogram({
      name: 'gateway_emergency_time_to_first_accept_seconds',
      help: 'From an emergency created to the first responder accepting',
      buckets: [15, 30, 60, 90, 120, 180, 300, 600],
      registers: [registry],
    }),
    aedTimeToFirstAccept: new Histogram({
      name: 'gateway_aed_time_to_first_accept_seconds',
      help: 'From an AED cabinet opening to the first responder accepting, per grid',
      labelNames: ['grid'] as const,
      buckets: [15, 30, 60, 90, 120, 180, 300, 600],
      registers: [registry],
    }),
    httpAuthFailures: new Counter({
      name: 'gateway_http_auth_failures_total',
      help: 'HTTP requests refused for a missing or wrong token, or a wrong role',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    aqhiForecastsRefused: new Counter({
      name: 'gateway_aqhi_forecasts_refused_total',
      help: 'Official index forecasts refused (a past validUntil, an hour that gives no index, nothing to forecast)',
      registers: [registry],
    }),
    nodeRedUp: new Gauge({ name: 'gateway_node_red_up', help: '1 while Node-RED’s process runs and answers (0: disabled, failed, restarting or stopped)', registers: [registry] }),
    nodeRedRestarts: new Counter({
      name: 'gateway_node_red_restarts_total',
      help: 'Node-RED’s process started again, by why it went: exited (crashed), hung (stopped beating: a flow blocked it) or bridge (broke the bridge’s rules)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    nodeRedBridgeRefused: new Counter({
      name: 'gateway_node_red_bridge_refused_total',
      help: 'Messages from Node-RED’s process the bridge refused (not JSON, unknown, malformed, too long), by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    nodeRedQueued: new Gauge({ name: 'gateway_node_red_queue_length', help: 'Gateway messages waiting to be given to flows', registers: [registry] }),
    nodeRedDelivered: new Counter({
      name: 'gateway_node_red_messages_delivered_total',
      help: 'Gateway messages given to flows, by source (readings, events, alerts, aqhi)',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    nodeRedDropped: new Counter({
      name: 'gateway_node_red_messages_dropped_total',
      help: 'Messages not given to flows: queue full (oldest first), over a flow’s budget, or the flow paused',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    nodeRedFlowErrors: new Counter({
      name: 'gateway_node_red_flow_errors_total',
      help: 'Errors reported by nodes of a flow (thrown, refused actions, time-outs), by flow id',
      labelNames: ['flow'] as const,
      registers: [registry],
    }),
    nodeRedFlowPauses: new Counter({
      name: 'gateway_node_red_flow_pauses_total',
      help: 'Flows paused: a function node ran into its time limit (timeout) or the flow passed too many messages (runaway)',
      labelNames: ['flow', 'reason'] as const,
      registers: [registry],
    }),
    nodeRedActions: new Counter({
      name: 'gateway_node_red_actions_total',
      help: 'Alerts raised and pages sent by flows, by outcome (done, refused, over_budget)',
      labelNames: ['action', 'outcome'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type GatewayMetrics = ReturnType<typeof createMetrics>;
