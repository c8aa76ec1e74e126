import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../gateway/config/config.js';
import { makeDataDir } from '../helpers/gateway-harness.js';

describe('configuration', () => {
  it('uses the contract defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({ mqttPort: 1883, mqttWsPort: 8083, httpPort: 8080, dataDir: './data', logLevel: 'info' });
    expect(config.influx).toBeUndefined();
  });

  it('lets the environment override the file', () => {
    const dir = makeDataDir();
    const file = path.join(dir, 'gw.yaml');
    writeFileSync(file, 'httpPort: 9000\nmqttPort: 1884\nbroker: {maxPayloadBytes: 4096}\ndataDir: state\n');
    const config = loadConfig({ file, env: { HTTP_PORT: '0', INFLUX_URL: 'http://127.0.0.1:8086', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b', INFLUX_TOKEN: 't' } });
    expect(config.httpPort).toBe(0);
    expect(config.mqttPort).toBe(1884);
    expect(config.broker.maxPayloadBytes).toBe(4096);
    expect(config.broker.connectTimeoutMs).toBe(DEFAULT_CONFIG.broker.connectTimeoutMs);
    expect(config.dataDir).toBe(path.join(dir, 'state'));
    expect(config.influx).toMatchObject({ url: 'http://127.0.0.1:8086', org: 'o', bucket: 'b', maxBufferLines: 50_000 });
  });

  it.each([
    [{ MQTT_PORT: 'eighteen' }, /MQTT_PORT=eighteen is not a port/],
    [{ HTTP_PORT: '70000' }, /httpPort/],
    [{ LOG_LEVEL: 'loud' }, /logLevel/],
    [{ ADMIN_TOKEN: 'short' }, /ADMIN_TOKEN/],
    [{ INFLUX_URL: 'http://x' }, /influx\/org/],
  ])('refuses %j with a message naming it', (env, message) => {
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it('refuses unknown keys in the file, naming them', () => {
    const file = path.join(makeDataDir(), 'gw.json');
    writeFileSync(file, JSON.stringify({ broker: { maxPayloadByte: 10 } }));
    expect(() => loadConfig({ file, env: {} })).toThrow(/broker\/maxPayloadByte: unknown field/);
  });
});
