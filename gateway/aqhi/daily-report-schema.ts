import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Category, ProfileRef } from './feed-schema.js';

/* A daily report's body, declared once: REST, the retained MQTT topic and the CSV carry it. */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const BandView = Type.Object({
  band: Type.Integer(),
  display: Type.String({ description: 'how to show the value, e.g. 7, 3.5 or 10+' }),
  category: Nullable(Category),
});

export const LimitOutcome = Type.Object({
  windowHours: Type.Integer({ description: 'the limit’s averaging time' }),
  value: Type.Number({ description: 'the limit, µg/m³ (CO mg/m³)' }),
  source: Type.String({ description: 'the standard the limit comes from' }),
  exceedances: Type.Integer({ description: 'hours of the day whose trailing mean over windowHours was above the limit (24 h: the day’s mean, 0 or 1)' }),
  comparedHours: Type.Integer({ description: 'hours whose window had enough valid means to be compared' }),
});

export const PollutantDay = Type.Object({
  mean: Nullable(Type.Number()),
  max: Nullable(Type.Number()),
  hours: Type.Integer({ description: 'hours with a counted hourly mean' }),
  limits: Type.Array(LimitOutcome),
});

export const DailyReport = Type.Object({
  scope: Type.Union([Type.Literal('station'), Type.Literal('district')]),
  stationId: Nullable(Type.String()),
  district: Type.String(),
  name: Type.String({ description: 'the station’s or the district’s name' }),
  date: Type.String({ description: 'YYYY-MM-DD, the local day in timeZone' }),
  timeZone: Type.String(),
  from: Type.String(),
  to: Type.String(),
  max: Nullable(Type.Number()),
  mean: Nullable(Type.Number()),
  min: Nullable(Type.Number()),
  bands: Type.Object({ max: Nullable(BandView), mean: Nullable(BandView), min: Nullable(BandView) }),
  hoursByBand: Type.Record(Type.String(), Type.Integer(), { description: 'counted hours per band' }),
  dominant: Nullable(Type.Object({ pollutant: Type.String(), hours: Type.Integer() }, { description: 'the pollutant most often primary in the day’s worst hours' })),
  pollutants: Type.Record(Type.String(), PollutantDay),
  completeness: Type.Number({ description: 'counted hours / hours in the day' }),
  hoursCounted: Type.Integer(),
  hoursExpected: Type.Integer(),
  hoursRequired: Type.Integer(),
  incomplete: Type.Boolean({ description: 'fewer counted hours than hoursRequired' }),
  revision: Type.Integer({ description: '1 when first issued; each re-issue after late data adds one' }),
  issuedAt: Type.String(),
  profile: ProfileRef,
});
export type DailyReport = Static<typeof DailyReport>;

export const DailyReportsBody = Type.Object({
  scope: Type.String(),
  subject: Type.String(),
  days: Type.Integer(),
  reports: Type.Array(DailyReport, { description: 'newest first; days not yet issued are absent' }),
});
export type DailyReportsBody = Static<typeof DailyReportsBody>;
