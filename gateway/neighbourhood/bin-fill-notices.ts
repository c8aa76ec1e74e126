import type { Logger } from 'pino';
import { nextWorkingTimeMs } from '../../rules/aed/index.js';
import type { Reading } from '../../sensors/index.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';
import type { Registry } from '../registry/registry.js';
import type { DeviceEntity } from '../registry/schemas.js';

export interface BinFillConfig {
  fullAtPercent: number;
  emptiedBelowPercent: number;
  /** Local `HH:MM-HH:MM`. */
  workingHours: string;
}

export interface BinFillDeps {
  ingestEvents: IngestPipeline['events'];
  registry: Registry;
  alerts: AlertService;
  config: BinFillConfig;
  timeZone: string;
  now(): number;
  log: Logger;
}

/**
 * `bin_full`: a bin at or above `fullAtPercent` opens one low-severity alert and pages its grid's
 * sanitation workers, at once in working hours, else when they begin (the page waits in the
 * outbox, so a restart keeps it). Further full readings count on the same alert; a reading below
 * `emptiedBelowPercent` (it was emptied) resolves it. Nothing escalates and nobody else is paged.
 */
export function connectBinFillNotices(deps: BinFillDeps): void {
  const { alerts, registry, log, config } = deps;
  deps.ingestEvents.on('readingAccepted', (reading: Reading, device: DeviceEntity) => {
    if (reading.kind !== 'bin' || device.kind !== 'bin') return;
    notice(reading, device).catch((err: unknown) => log.error({ err, deviceId: device.id }, 'bin fill notice failed'));
  });

  async function notice(reading: Reading, device: DeviceEntity): Promise<void> {
    if (reading.kind !== 'bin') return;
    const fill = reading.values.fill;
    if (fill === undefined) return;
    if (fill < config.emptiedBelowPercent) {
      await alerts.clear(`bin_full:${device.id}`, deps.now());
      return;
    }
    if (fill < config.fullAtPercent) return;
    const grid = device.grid === undefined ? undefined : registry.get('grids', device.grid);
    const alert = await alerts.raise({
      kind: 'bin_full',
      severity: 'low',
      subject: device.id,
      grid: device.grid ?? '',
      dedupKey: `bin_full:${device.id}`,
      occurredAtMs: reading.tsMs,
      details: {
        fill,
        summary: `满溢 ${Math.round(fill)} % full`,
      },
    });
    if (alert.occurrences > 1) return;
    const sanitation = grid?.sanitation ?? [];
    if (sanitation.length === 0) {
      log.warn({ deviceId: device.id, grid: device.grid }, 'a bin is full and its grid has no sanitation contact');
      return;
    }
    const nowMs = deps.now();
    await alerts.pageDirect(alert.id, sanitation, { reason: 'notice', role: 'sanitation', notBeforeMs: nextWorkingTimeMs(nowMs, deps.timeZone, config.workingHours) });
  }
}
