import { Type, type Static, type TSchema } from '@sinclair/typebox';

/*
 * The index feed's body, declared once: the REST feed, the SSE stream and the retained MQTT
 * topic `feeds/aqhi/{stationId}` all carry StationIndex (CONTRACT.md §2 and §3).
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const LocalizedText = Type.Object({ zh: Type.String(), en: Type.String() });

export const HealthAdvice = Type.Object(
  {
    generalPublic: LocalizedText,
    heartOrRespiratory: LocalizedText,
    elderly: LocalizedText,
    children: LocalizedText,
    outdoorWorkers: LocalizedText,
  },
  { description: 'Advice for the general public and for each group at risk, in Chinese and English' },
);

export const ProfileRef = Type.Object({
  name: Type.String(),
  version: Type.String(),
  status: Type.Union([Type.Literal('verified'), Type.Literal('unverified')]),
});

export const Category = Type.Object({ id: Type.String(), name: LocalizedText, color: Type.String() });

export const Contribution = Type.Object(
  {
    pollutant: Type.String(),
    term: Type.String({ description: 'e.g. no2_3h: pollutant and averaging window' }),
    windowHours: Type.Integer(),
    validHours: Type.Integer(),
    inputMean: Type.Number({ description: 'window mean in µg/m³ (CO mg/m³)' }),
    concentration: Type.Number({ description: 'the concentration the formula used, in unit' }),
    unit: Type.String(),
    kind: Type.String({ description: 'added-risk-pct (AQHI) or sub-index (AQI)' }),
    value: Type.Number({ description: '%AR or sub-index' }),
    counted: Type.Boolean({ description: 'false when evaluated but not counted (e.g. the lower PM term)' }),
    note: Type.Optional(Type.String()),
  },
  { description: 'One pollutant’s own part of the index' },
);

export const MissingPollutant = Type.Object({
  pollutant: Type.String(),
  term: Type.String(),
  reason: Type.String({ description: 'no-data, too-few-hours, invalid or undefined-above-range' }),
  validHours: Type.Integer(),
  requiredHours: Type.Integer(),
  windowHours: Type.Integer(),
});

export const ExcludedHour = Type.Object(
  {
    pollutant: Type.String(),
    hourStart: Type.String(),
    reason: Type.String({ description: 'stuck (one value for hours) or too-few-samples' }),
  },
  { description: 'An hourly mean left out of the averages' },
);
export type ExcludedHour = Static<typeof ExcludedHour>;

export const AveragingWindow = Type.Object(
  {
    hours: Type.Integer({ description: 'the longest window the index uses' }),
    start: Type.String(),
    end: Type.String(),
  },
  { description: 'Trailing whole hours the averages cover, ending with the hour of the value' },
);

export const StationIndex = Type.Object({
  stationId: Type.String(),
  name: Type.String(),
  district: Type.String(),
  districtName: Type.Optional(Type.String({ description: 'the district as people call it, where the provision file names it' })),
  lat: Type.Number(),
  lon: Type.Number(),
  value: Nullable(Type.Number()),
  display: Nullable(Type.String({ description: 'how to show the value, e.g. 3 or 10+' })),
  band: Nullable(Type.Integer()),
  category: Nullable(Category),
  color: Nullable(Type.String()),
  high: Type.Boolean({ description: 'in the high band for people at risk (aqhi_high)' }),
  advice: Nullable(HealthAdvice),
  time: Nullable(Type.String({ description: 'ISO 8601: the end of the hour the value is for' })),
  hourStartMs: Nullable(Type.Integer()),
  hourEndMs: Nullable(Type.Integer()),
  provisional: Type.Boolean({ description: 'the hour is not over; later readings may change the value' }),
  window: Nullable(AveragingWindow),
  pollutantsUsed: Type.Array(Type.String()),
  primaryPollutants: Type.Array(Type.String()),
  contributions: Type.Array(Contribution),
  missing: Type.Array(MissingPollutant),
  excluded: Type.Array(ExcludedHour),
  complete: Type.Boolean(),
  addedRiskPct: Nullable(Type.Number()),
  nullReason: Nullable(Type.String()),
  profile: ProfileRef,
  stale: Type.Boolean({ description: 'no reading from the station for more than 2 hours' }),
  lastReadingAt: Nullable(Type.String()),
});
export type StationIndex = Static<typeof StationIndex>;

export const AqhiFeedBody = Type.Object({
  profile: Type.Object({
    name: Type.String(),
    version: Type.String(),
    status: Type.String(),
    title: LocalizedText,
    kind: Type.Optional(Type.Union([Type.Literal('risk-sum'), Type.Literal('breakpoint')], { description: 'risk-sum: the pollutants’ added risks add up; breakpoint: the index is the highest sub-index' })),
    openBandLabel: Type.Optional(Type.String({ description: 'how the open top band is shown, e.g. 10+' })),
    categories: Type.Optional(
      Type.Array(Type.Object({ id: Type.String(), name: LocalizedText, color: Type.String(), fromBand: Type.Integer(), toBand: Type.Integer() }), { description: 'the bands, for a legend' }),
    ),
  }),
  generatedAt: Type.String(),
  stations: Type.Array(StationIndex),
});
export type AqhiFeedBody = Static<typeof AqhiFeedBody>;

export const HistoryPoint = Type.Object({
  time: Type.String({ description: 'ISO 8601: the end of the hour' }),
  hourStartMs: Type.Integer(),
  hourEndMs: Type.Integer(),
  value: Nullable(Type.Number()),
  display: Nullable(Type.String()),
  band: Nullable(Type.Integer()),
  category: Nullable(Category),
  high: Type.Boolean(),
  provisional: Type.Boolean(),
  complete: Type.Boolean(),
  addedRiskPct: Nullable(Type.Number()),
  pollutantsUsed: Type.Array(Type.String()),
  contributions: Type.Array(Contribution),
  missing: Type.Array(MissingPollutant),
  nullReason: Nullable(Type.String()),
  profile: ProfileRef,
});
export type HistoryPoint = Static<typeof HistoryPoint>;

export const AqhiHistoryBody = Type.Object({
  stationId: Type.String(),
  hours: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  points: Type.Array(HistoryPoint),
});
export type AqhiHistoryBody = Static<typeof AqhiHistoryBody>;
