import type { Logger } from 'pino';
import type { AqhiService } from '../aqhi/aqhi-service.js';
import type { Registry } from '../registry/registry.js';
import type { AlertService } from './alert-service.js';

/** The conditions for which the index's "at risk" advice is written (heart and lung disease). */
export const AT_RISK_CONDITIONS: ReadonlySet<string> = new Set(['copd', 'asthma', 'cardiac']);

export interface AqhiNoticeDeps {
  events: AqhiService['events'];
  registry: Registry;
  alerts: AlertService;
  log: Logger;
  now(): number;
}

export function aqhiNoticeKey(stationId: string, gridId: string): string {
  return `aqhi_high:${stationId}:${gridId}`;
}

/**
 * `aqhi_high`: when a station's index reaches the high band, each grid of its district with
 * residents at risk gets one alert listing them (one notice to the worker on duty, not a page per
 * resident); when the index eases the alert resolves and the same workers are told.
 */
export function connectAqhiNotices(deps: AqhiNoticeDeps): void {
  const { registry, alerts, log } = deps;
  deps.events.on('highChanged', (stationId, { high, update }) => {
    try {
      const station = registry.get('stations', stationId);
      if (station === undefined) return;
      for (const grid of registry.list('grids')) {
        if (grid.district !== station.district) continue;
        const key = aqhiNoticeKey(stationId, grid.id);
        if (!high) {
          const closed = alerts.clear(key, deps.now());
          if (closed !== undefined) alerts.pageDirect(closed.id, grid.onDuty.slice(0, 1), { reason: 'notice', role: 'onDuty' });
          continue;
        }
        const atRisk = registry.list('residents').filter((r) => r.grid === grid.id && r.conditions.some((c) => AT_RISK_CONDITIONS.has(c)));
        if (atRisk.length === 0) continue;
        const index = update.display ?? String(update.value);
        const advice = update.advice?.heartOrRespiratory.en ?? null;
        alerts.raise({
          kind: 'aqhi_high',
          severity: 'medium',
          subject: stationId,
          grid: grid.id,
          dedupKey: key,
          occurredAtMs: deps.now(),
          details: {
            station: station.name,
            index,
            band: update.band,
            category: update.category?.name.en ?? null,
            residentsAtRisk: atRisk.map((r) => r.id),
            summary: `Index ${index} at ${station.name}; ${atRisk.length} resident(s) at risk: ${atRisk.map((r) => r.name).join(', ')}`,
            advice,
          },
        });
      }
    } catch (err) {
      log.error({ err, stationId }, 'aqhi notice failed');
    }
  });
}
