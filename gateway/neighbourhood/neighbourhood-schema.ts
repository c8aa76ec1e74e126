import { Type } from '@sinclair/typebox';

/** `GET /api/neighbourhood`: the response schema (also what /docs shows, and all that is sent). */
const Text = Type.Object({ en: Type.String(), zh: Type.String() });
const Status = Type.Union(['ok', 'calibrating', 'drifting', 'stuck', 'no_station'].map((s) => Type.Literal(s)));

const Fit = Type.Object({
  slope: Type.Number(),
  intercept: Type.Number({ description: 'same unit as the reading' }),
  r2: Type.Number({ description: 'share of the station’s variance the line explains' }),
  n: Type.Integer({ description: 'hours fitted on' }),
  rmse: Type.Number({ description: 'root-mean-square error of the corrected values against the station' }),
  from: Type.String(),
  to: Type.String(),
});

const Pollutant = Type.Object({
  pollutant: Type.String(),
  hourStart: Type.Union([Type.String(), Type.Null()]),
  raw: Type.Union([Type.Number(), Type.Null()], { description: 'the bin’s hourly mean as read' }),
  corrected: Type.Union([Type.Number(), Type.Null()], { description: 'intercept + slope · raw; null while calibrating or stuck' }),
  station: Type.Union([Type.Number(), Type.Null()], { description: 'the official station’s hourly mean, same hour' }),
  status: Status,
  fit: Type.Union([Fit, Type.Null()]),
  reason: Text,
});

export const NeighbourhoodSensorBody = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  grid: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  lat: Type.Number(),
  lon: Type.Number(),
  official: Type.Literal(false),
  station: Type.Union([Type.Object({ id: Type.String(), name: Type.String(), distanceM: Type.Number() }), Type.Null()]),
  lastReadingAt: Type.Union([Type.String(), Type.Null()]),
  stale: Type.Boolean(),
  fill: Type.Union([Type.Number(), Type.Null()]),
  latest: Type.Record(Type.String(), Type.Number()),
  pollutants: Type.Array(Pollutant),
  status: Type.Union([Status, Type.Null()]),
});

export const NeighbourhoodBody = Type.Object({
  note: Text,
  sensors: Type.Array(NeighbourhoodSensorBody),
});

export const NEIGHBOURHOOD_NOTE = {
  en: 'Neighbourhood readings from sensors in smart bins, corrected against the nearest official station. Not part of the official index.',
  zh: '社区智能垃圾桶传感器的读数，已按最近的官方监测站校正。不计入官方指数。',
};
