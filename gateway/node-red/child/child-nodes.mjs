// The gateway's node types as Node-RED runs them here. Source nodes tell the gateway what they
// listen to (their settings) and get messages it chose for them; action nodes ask the gateway,
// which checks and budgets every request. Filtering and every decision stay in the gateway.

const SOURCE_TYPES = {
  'gateway readings': ['deviceKind', 'devices', 'grids'],
  'gateway events': ['deviceKind', 'devices', 'grids', 'eventTypes'],
  'gateway alerts': ['changes', 'kinds', 'grids'],
  'aqhi updates': ['stations', 'finalOnly'],
};

const text = (value) => (typeof value === 'string' ? value.trim() : '');
const isRecord = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const errorText = (err) => (err instanceof Error ? err.message : String(err));

export function registerGatewayNodes(RED, bridge) {
  const sources = new Map();
  bridge.on('deliver', (m) => {
    const node = sources.get(m.nodeId);
    if (node !== undefined) node.send(m.msg);
  });

  for (const [type, fields] of Object.entries(SOURCE_TYPES)) {
    RED.nodes.registerType(type, function (config) {
      RED.nodes.createNode(this, config);
      const settings = Object.fromEntries(fields.map((f) => [f, config[f]]));
      sources.set(this.id, this);
      bridge.send({ t: 'subscribe', flowId: this.z, nodeId: this.id, nodeType: type, settings });
      this.on('close', () => {
        sources.delete(this.id);
        bridge.send({ t: 'unsubscribe', nodeId: this.id });
      });
    });
  }

  /** Runs an action through the gateway; a refusal goes to done(err), where catch nodes and the gateway's log see it. */
  function act(node, action) {
    node.on('input', (msg, send, done) => {
      action(msg).then(
        (summary) => {
          node.status({ fill: 'green', shape: 'dot', text: summary });
          send(msg);
          done();
        },
        (err) => {
          node.status({ fill: 'red', shape: 'ring', text: errorText(err).slice(0, 60) });
          done(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  RED.nodes.registerType('raise alert', function (config) {
    RED.nodes.createNode(this, config);
    act(this, async (msg) => {
      const request = { kind: text(config.kind) || msg.kind, severity: text(config.severity) || msg.severity, subject: msg.subject, grid: msg.grid, details: isRecord(msg.details) ? msg.details : {} };
      const alert = await bridge.call('raise', { flowId: this.z, request });
      msg.alert = alert;
      msg.payload = alert;
      return `${alert.kind} for ${alert.subject}`;
    });
  });

  RED.nodes.registerType('send page', function (config) {
    RED.nodes.createNode(this, config);
    act(this, async (msg) => {
      const alertId = isRecord(msg.alert) ? msg.alert.id : msg.alertId;
      const recipients = text(config.recipients) || msg.recipients;
      const role = text(config.role) || text(msg.role) || 'flow';
      msg.paged = await bridge.call('page', { flowId: this.z, request: { alertId, recipients, role } });
      return `paged ${String(msg.paged)}`;
    });
  });

  RED.nodes.registerType('registry lookup', function (config) {
    RED.nodes.createNode(this, config);
    const collection = text(config.collection) || 'residents';
    const idProperty = text(config.idProperty) || 'subject';
    const property = text(config.property) || 'entity';
    act(this, async (msg) => {
      const id = RED.util.getMessageProperty(msg, idProperty);
      const entry = await bridge.call('lookup', { flowId: this.z, request: { collection, id } });
      RED.util.setMessageProperty(msg, property, entry, true);
      return entry === null ? `no ${collection} ${String(id)}` : `${collection} ${String(id)}`;
    });
  });
}
