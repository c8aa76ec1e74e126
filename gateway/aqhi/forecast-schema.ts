import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Category } from './feed-schema.js';

/* The forecast's body, declared once: REST, SSE and the retained MQTT topic carry it. */

/** A date-time with its offset, e.g. 2026-12-08T09:00:00+08:00 (the body validator knows no formats). */
const ISO_DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$';
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ForecastHour = Type.Object({
  at: Type.String({ description: 'ISO 8601: the start of the hour forecast' }),
  index: Nullable(Type.Number({ description: 'the forecast index (null when an official forecast gives only a band)' })),
  band: Type.Integer(),
  category: Nullable(Category),
});

export const LeadSkill = Type.Object({
  n: Type.Integer({ description: 'model forecasts scored' }),
  mae: Nullable(Type.Number({ description: 'mean absolute error of the model’s index' })),
  bandHitRate: Nullable(Type.Number({ description: 'share of hours whose band the model had right' })),
  persistenceMae: Nullable(Type.Number({ description: 'the same for “as it is now”' })),
  persistenceBandHitRate: Nullable(Type.Number()),
  persistenceN: Type.Integer(),
});

export const Issuer = Type.Object({ role: Type.String(), subject: Nullable(Type.String()), label: Nullable(Type.String()) });

export const ForecastBody = Type.Object({
  stationId: Type.String(),
  name: Type.String(),
  district: Type.String(),
  source: Type.Union([Type.Literal('official'), Type.Literal('model'), Type.Literal('persistence')]),
  issuedAt: Type.String(),
  issuer: Nullable(Issuer),
  validUntil: Nullable(Type.String({ description: 'official forecasts: until when it holds' })),
  note: Nullable(Type.String()),
  basedOn: Nullable(Type.String({ description: 'the start of the last hour observed' })),
  reason: Nullable(Type.String({ description: 'why persistence is shown instead of the model' })),
  reasonText: Type.Optional(Nullable(Type.Object({ en: Type.String(), zh: Type.String() }, { description: '`reason` in English and Chinese' }))),
  hours: Type.Array(ForecastHour, { description: 'the current hour and the 23 after it' }),
  tomorrow: Nullable(Type.Object({ date: Type.String(), band: Type.Integer(), index: Nullable(Type.Number()), category: Nullable(Category) })),
  skill: Type.Object({ h1: LeadSkill, h6: LeadSkill, h24: LeadSkill }, { description: 'the model against what happened, and persistence, over the last 30 days' }),
  model: Nullable(Type.Object({ phi: Type.Number({ description: 'anomaly decay per hour' }), profile: Type.Array(Type.Number(), { description: 'mean index per local hour 0..23' }) })),
});
export type ForecastBody = Static<typeof ForecastBody>;

const OfficialHourInput = Type.Object(
  {
    at: Type.String({ pattern: ISO_DATE_TIME, description: 'the start of the hour (ISO 8601 date-time)' }),
    index: Type.Optional(Type.Number({ minimum: 0 })),
    band: Type.Optional(Type.Integer({ minimum: 1, maximum: 11 })),
    pollutants: Type.Optional(
      Type.Object(
        { pm25: Type.Optional(Type.Number({ minimum: 0 })), pm10: Type.Optional(Type.Number({ minimum: 0 })), o3: Type.Optional(Type.Number({ minimum: 0 })), no2: Type.Optional(Type.Number({ minimum: 0 })), so2: Type.Optional(Type.Number({ minimum: 0 })), co: Type.Optional(Type.Number({ minimum: 0 })) },
        { additionalProperties: false, description: 'forecast concentrations, µg/m³ (CO mg/m³): the profile computes the index' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const OfficialForecastInput = Type.Object(
  {
    hours: Type.Optional(Type.Array(OfficialHourInput, { maxItems: 72 })),
    tomorrow: Type.Optional(Type.Object({ band: Type.Integer({ minimum: 1, maximum: 11 }), index: Type.Optional(Type.Number({ minimum: 0 })) }, { additionalProperties: false })),
    validUntil: Type.String({ pattern: ISO_DATE_TIME, description: 'ISO 8601 date-time' }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type OfficialForecastInput = Static<typeof OfficialForecastInput>;

/** An official forecast as kept: every hour resolved to an index and band. */
export interface OfficialForecast {
  hours: { atMs: number; index: number | null; band: number }[];
  tomorrow: { band: number; index: number | null } | null;
  validUntil: string;
  issuedAt: string;
  issuer: { role: string; subject: string | null; label: string | null };
  note: string | null;
}
