import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HOUR_MS } from '../../../rules/aqhi/index.js';
import { dailyCsv, historyCsv } from '../../aqhi/csv-export.js';
import { DailyReportsBody } from '../../aqhi/daily-report-schema.js';
import { Id } from '../../registry/schemas.js';
import type { HttpDeps } from '../deps.js';
import { ErrorBody, HttpError } from '../../errors/http-errors.js';

/** Reports reach back a year of days; history 30 days of hours. */
const MAX_DAYS = 366;
const MAX_HISTORY_HOURS = 720;

const DaysQuery = Type.Object(
  { days: Type.Integer({ minimum: 1, maximum: MAX_DAYS, default: 7, description: 'issued days back from the latest, 1..366' }) },
  { additionalProperties: false },
);
const DistrictDaysQuery = Type.Object(
  { district: Id, days: Type.Integer({ minimum: 1, maximum: MAX_DAYS, default: 7 }) },
  { additionalProperties: false },
);
const HoursQuery = Type.Object(
  { hours: Type.Integer({ minimum: 1, maximum: MAX_HISTORY_HOURS, default: 24, description: 'hours back from the current hour, 1..720' }) },
  { additionalProperties: false },
);

const REPORT_TEXT =
  'Each report: the day’s max, mean and min index with their bands, hours per band, the dominant pollutant of the worst hours, ' +
  'each pollutant’s mean, max and exceedances of the profile’s limits, completeness (counted hours / hours in the day) and `incomplete`, ' +
  '`revision` (2 and up when late data changed a day already issued) and `issuedAt`.';

/** Daily reports and CSV exports of the index: public, like the feed. */
export const aqhiReportRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['aqhi'];
  const station = (id: string): void => {
    if (!deps.registry.has('stations', id)) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no station "${id}"`);
  };

  app.get(
    '/api/aqhi/:stationId/daily',
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        description: `A station’s daily reports for the last \`days\` local days issued, newest first. ${REPORT_TEXT}`,
        params: Type.Object({ stationId: Id }),
        querystring: DaysQuery,
        response: { 200: DailyReportsBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { stationId } = request.params;
      station(stationId);
      const { days } = request.query;
      return { scope: 'station', subject: stationId, days, reports: await deps.aqhiDaily.recent('station', stationId, days, deps.now()) };
    },
  );

  app.get(
    '/api/aqhi/daily',
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        description: `A district’s daily reports, newest first: each hour takes the worst station of the district. ${REPORT_TEXT}`,
        querystring: DistrictDaysQuery,
        response: { 200: DailyReportsBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { district, days } = request.query;
      if (!deps.registry.list('stations').some((s) => s.district === district)) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no station in district "${district}"`);
      return { scope: 'district', subject: district, days, reports: await deps.aqhiDaily.recent('district', district, days, deps.now()) };
    },
  );

  app.get(
    '/api/aqhi/:stationId/daily.csv',
    {
      config: { public: true },
      schema: { tags, security: [], description: 'The daily reports as CSV (RFC 4180), one row per day, newest first.', params: Type.Object({ stationId: Id }), querystring: DaysQuery },
    },
    async (request, reply) => {
      const { stationId } = request.params;
      station(stationId);
      const reports = await deps.aqhiDaily.recent('station', stationId, request.query.days, deps.now());
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${stationId}-daily.csv"`)
        .send(dailyCsv(reports));
    },
  );

  app.get(
    '/api/aqhi/:stationId/history.csv',
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        description: 'Hourly index values as CSV (RFC 4180), oldest first, with each pollutant’s window mean.',
        params: Type.Object({ stationId: Id }),
        querystring: HoursQuery,
      },
    },
    async (request, reply) => {
      const { stationId } = request.params;
      station(stationId);
      const nowMs = deps.now();
      const points = await deps.aqhi.history(stationId, request.query.hours, Math.floor(nowMs / HOUR_MS) * HOUR_MS);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${stationId}-history.csv"`)
        .send(historyCsv(stationId, points));
    },
  );
};
