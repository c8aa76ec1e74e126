import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnServer, type ExternalServer } from './external-server.js';

/**
 * Debian's victoria-metrics speaks the InfluxDB v2 write API (`/api/v2/write`), and lets us read
 * back what landed through its own export API.
 */
export class VictoriaMetrics {
  private server: ExternalServer | undefined;
  readonly dataDir = mkdtempSync(path.join(tmpdir(), 'gw-vm-'));
  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = await spawnServer(
      'victoria-metrics',
      [`-httpListenAddr=127.0.0.1:${this.port}`, `-storageDataPath=${this.dataDir}`, '-retentionPeriod=100y', '-loggerLevel=ERROR'],
      async () => (await fetch(`${this.url}/health`)).ok,
      'victoria-metrics',
    );
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }

  /** Every sample of the series matching `selector`, after forcing buffered rows to storage. */
  async export(selector: string): Promise<{ metric: Record<string, string>; values: number[]; timestamps: number[] }[]> {
    await fetch(`${this.url}/internal/force_flush`);
    const res = await fetch(`${this.url}/api/v1/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'match[]': selector, start: '0' }),
    });
    const text = await res.text();
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] });
  }
}
