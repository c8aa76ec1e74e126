import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  addDays,
  bandView,
  evaluateConcentrations,
  fitModel,
  HOUR_MS,
  lastObserved,
  localDateOf,
  localDayBounds,
  modelBeatsPersistence,
  modelForecast,
  scoreSkill,
  SKILL_LEADS,
  zoneOffsetMs,
  type AqiProfile,
} from '../../rules/aqhi/index.js';
import type { Registry } from '../registry/registry.js';
import type { AqhiService } from './aqhi-service.js';
import type { ForecastBody, OfficialForecast, OfficialForecastInput } from './forecast-schema.js';
import type { ForecastStore, LoggedForecast } from './forecast-store.js';
import type { GatewayErrorCode } from '../errors/gateway-errors.js';

export interface ForecastEvents {
  /** `official`: one put through this gateway; `hourly`: every gateway's at the hour, from the same stored index. */
  forecastChanged: [forecast: ForecastBody, cause: 'hourly' | 'official'];
}

export class ForecastInputError extends Error {
  override name = 'ForecastInputError';
  readonly gatewayCode: GatewayErrorCode = 'GW_ERR_AQHI_FORECAST_INVALID';
}

export interface ForecastService {
  readonly events: EventEmitter<ForecastEvents>;
  /** A registered station's forecast as of nowMs; undefined for an unknown station. */
  forecast(stationId: string, nowMs?: number): Promise<ForecastBody | undefined>;
  all(nowMs?: number): Promise<ForecastBody[]>;
  /** Keeps an official forecast (replacing the station's previous one); rejects with ForecastInputError. */
  putOfficial(stationId: string, input: OfficialForecastInput, issuer: OfficialForecast['issuer'], nowMs?: number): Promise<ForecastBody>;
  /** At an hour boundary: keeps each station's forecasts for scoring and publishes the new ones. */
  hourly(nowMs?: number): Promise<void>;
  stop(): void;
}

const SKILL_DAYS = 30;
const HISTORY_DAYS = 30;
const round1 = (x: number): number => Math.round(x * 10) / 10;
const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
const iso = (ms: number): string => new Date(ms).toISOString();

export const MODEL_METHOD =
  'damped anomaly persistence on a diurnal profile: the mean index of each local hour over 14 days, plus today’s departure from it decaying by a fitted factor per hour';

/**
 * Forecasts per station: the bureau's official one while it is valid, else the model when it has
 * shown on the station's last 30 days that it beats persistence, else persistence, labelled.
 */
export function createForecastService(deps: {
  profile: AqiProfile;
  aqhi: Pick<AqhiService, 'events' | 'flush'>;
  store: ForecastStore;
  registry: Pick<Registry, 'get' | 'list'>;
  timeZone: string;
  now: () => number;
  log: Logger;
}): ForecastService {
  const { profile, store, registry, timeZone, now, log } = deps;
  const events = new EventEmitter<ForecastEvents>();

  async function computed(stationId: string, nowMs: number) {
    const H = hourOf(nowMs);
    const series = await store.values(stationId, H - HISTORY_DAYS * 24 * HOUR_MS, H - HOUR_MS);
    const last = lastObserved(series, H - HOUR_MS);
    const zone = zoneOffsetMs(timeZone, nowMs);
    const fit = last === undefined ? undefined : fitModel(series, last.hour, { zoneOffsetMs: zone });
    const model = fit?.kind === 'model' ? fit : undefined;
    const at = (target: number): { model: number | null; persistence: number } | undefined =>
      last === undefined
        ? undefined
        : { model: model === undefined ? null : modelForecast(model, last.value, last.hour, Math.round((target - last.hour) / HOUR_MS), zone), persistence: last.value };
    return { H, last, fit, model, at };
  }

  async function skillOf(stationId: string, nowMs: number) {
    const pairs = await store.pairs(stationId, hourOf(nowMs) - SKILL_DAYS * 24 * HOUR_MS, hourOf(nowMs));
    return { skill: scoreSkill(profile, pairs), beats: modelBeatsPersistence(pairs) };
  }

  function hourView(atMs: number, index: number | null, band?: number): ForecastBody['hours'][number] {
    const v = index === null ? null : bandView(profile, index);
    const b = band ?? v?.band ?? 1;
    const category = band === undefined ? (v?.category ?? null) : bandView(profile, profile.kind === 'breakpoint' ? upperOfLevel(band) : band).category;
    return { at: iso(atMs), index: index === null ? null : round1(index), band: b, category };
  }

  /** A breakpoint profile's level is shown by a value inside it. */
  function upperOfLevel(level: number): number {
    return profile.kind === 'breakpoint' ? (profile.levelUpperLimits[level - 1] ?? (profile.levelUpperLimits.at(-1) ?? 0) + 1) : level;
  }

  async function forecast(stationId: string, nowMs = now()): Promise<ForecastBody | undefined> {
    const station = registry.get('stations', stationId);
    if (station === undefined) return undefined;
    const [c, { skill, beats }, official] = await Promise.all([computed(stationId, nowMs), skillOf(stationId, nowMs), store.official(stationId)]);
    const tomorrowDate = addDays(localDateOf(nowMs, timeZone), 1);
    const tomorrowBounds = localDayBounds(tomorrowDate, timeZone);
    const base = {
      stationId,
      name: station.name,
      district: station.district,
      basedOn: c.last === undefined ? null : iso(c.last.hour),
      skill,
      model: c.model === undefined ? null : { phi: c.model.phi, profile: c.model.profile.map((x) => Math.round(x * 100) / 100) },
    };

    if (official !== undefined && Date.parse(official.validUntil) > nowMs) {
      const hours = official.hours.filter((h) => h.atMs >= c.H && h.atMs < c.H + 24 * HOUR_MS).map((h) => hourView(h.atMs, h.index, h.band));
      const inTomorrow = official.hours.filter((h) => h.atMs >= tomorrowBounds.startMs && h.atMs < tomorrowBounds.endMs);
      const worst = inTomorrow.reduce<(typeof inTomorrow)[number] | undefined>((w, h) => (w === undefined || h.band > w.band ? h : w), undefined);
      const t = official.tomorrow ?? (worst === undefined ? null : { band: worst.band, index: worst.index });
      return {
        ...base,
        source: 'official',
        issuedAt: official.issuedAt,
        issuer: official.issuer,
        validUntil: official.validUntil,
        note: official.note,
        reason: null,
        reasonText: null,
        hours,
        tomorrow: t === null ? null : { date: tomorrowDate, band: t.band, index: t.index, category: hourView(0, t.index, t.band).category },
      };
    }

    const useModel = c.model !== undefined && beats;
    const reasonText = useModel
      ? null
      : c.last === undefined
        ? { en: 'no index value in the last hours', zh: '最近几小时没有指数值' }
        : c.fit?.kind === 'too-little-history'
          ? {
              en: `too little history for the model (${c.fit.samples} hourly values; it needs ${c.fit.needed}, 5 for each hour of the day)`,
              zh: `历史数据不足，模型无法预报（已有 ${c.fit.samples} 个小时值，需要 ${c.fit.needed} 个，每个钟点 5 个）`,
            }
          : { en: 'the model has not yet done better than persistence over the last 30 days', zh: '过去 30 天模型尚未优于持续法' };
    const reason = reasonText?.en ?? null;
    const valueAt = (target: number): number | null => {
      const f = c.at(target);
      return f === undefined ? null : useModel ? (f.model as number) : f.persistence;
    };
    const hours: ForecastBody['hours'] = [];
    if (c.last !== undefined) for (let i = 0; i < 24; i++) hours.push(hourView(c.H + i * HOUR_MS, valueAt(c.H + i * HOUR_MS)));
    let tomorrow: ForecastBody['tomorrow'] = null;
    if (c.last !== undefined) {
      let worst = Number.NEGATIVE_INFINITY;
      for (let h = hourOf(tomorrowBounds.startMs); h < tomorrowBounds.endMs; h += HOUR_MS) worst = Math.max(worst, valueAt(h) ?? worst);
      const v = hourView(tomorrowBounds.startMs, worst);
      tomorrow = { date: tomorrowDate, band: v.band, index: v.index, category: v.category };
    }
    return {
      ...base,
      source: useModel ? 'model' : 'persistence',
      issuedAt: iso(nowMs),
      issuer: null,
      validUntil: null,
      note: null,
      reason,
      reasonText,
      hours,
      tomorrow,
    };
  }

  function emit(body: ForecastBody, cause: 'hourly' | 'official'): void {
    try {
      events.emit('forecastChanged', body, cause);
    } catch (err) {
      log.error({ err, stationId: body.stationId }, 'a listener of forecasts failed');
    }
  }

  async function hourly(nowMs = now()): Promise<void> {
    await deps.aqhi.flush();
    const rows: LoggedForecast[] = [];
    for (const station of registry.list('stations')) {
      const c = await computed(station.id, nowMs);
      if (c.last !== undefined) {
        for (const lead of SKILL_LEADS) {
          const target = c.last.hour + lead * HOUR_MS;
          const f = c.at(target)!;
          rows.push({ stationId: station.id, issuedHourMs: c.last.hour, leadHours: lead, targetHourMs: target, model: f.model, persistence: f.persistence });
        }
      }
    }
    await store.log(rows);
    await store.pruneBefore(hourOf(nowMs) - (SKILL_DAYS + 2) * 24 * HOUR_MS);
    for (const body of await all(nowMs)) emit(body, 'hourly');
  }

  async function all(nowMs = now()): Promise<ForecastBody[]> {
    const bodies = await Promise.all(registry.list('stations').map((s) => forecast(s.id, nowMs)));
    return bodies.filter((f): f is ForecastBody => f !== undefined);
  }

  function resolveHour(h: NonNullable<OfficialForecastInput['hours']>[number]): OfficialForecast['hours'][number] {
    const atMs = Date.parse(h.at);
    if (atMs % HOUR_MS !== 0) throw new ForecastInputError(`hour ${h.at} does not start on the hour`);
    if (h.pollutants !== undefined) {
      const r = evaluateConcentrations(profile, h.pollutants);
      if (r.value === null || r.band === null) throw new ForecastInputError(`the pollutants of ${h.at} give no index: ${r.nullReason ?? 'missing pollutants'}`);
      return { atMs, index: r.value, band: r.band };
    }
    if (h.index !== undefined) return { atMs, index: h.index, band: h.band ?? bandView(profile, h.index).band };
    if (h.band !== undefined) return { atMs, index: profile.kind === 'risk-sum' ? h.band : null, band: h.band };
    throw new ForecastInputError(`hour ${h.at} has neither pollutants, an index nor a band`);
  }

  async function putOfficial(stationId: string, input: OfficialForecastInput, issuer: OfficialForecast['issuer'], nowMs = now()): Promise<ForecastBody> {
    const validUntilMs = Date.parse(input.validUntil);
    if (!(validUntilMs > nowMs)) throw new ForecastInputError(`validUntil ${input.validUntil} is not in the future`);
    if ((input.hours?.length ?? 0) === 0 && input.tomorrow === undefined) throw new ForecastInputError('an official forecast needs hours or tomorrow');
    const official: OfficialForecast = {
      hours: (input.hours ?? []).map(resolveHour).sort((a, b) => a.atMs - b.atMs),
      tomorrow: input.tomorrow === undefined ? null : { band: input.tomorrow.band, index: input.tomorrow.index ?? null },
      validUntil: iso(validUntilMs),
      issuedAt: iso(nowMs),
      issuer,
      note: input.note ?? null,
    };
    await store.saveOfficial(stationId, official);
    log.info({ stationId, issuer, validUntil: official.validUntil, hours: official.hours.length }, 'official index forecast received');
    const body = (await forecast(stationId, nowMs))!;
    emit(body, 'official');
    return body;
  }

  const onTicked = (nowMs: number): void => {
    hourly(nowMs).catch((err: unknown) => log.error({ err }, 'hourly forecasts failed'));
  };
  deps.aqhi.events.on('ticked', onTicked);

  return {
    events,
    forecast,
    all,
    putOfficial,
    hourly,
    stop() {
      deps.aqhi.events.off('ticked', onTicked);
    },
  };
}
