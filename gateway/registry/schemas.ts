import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** CONTRACT.md §5: the provision file, and the body of `PUT /api/{collection}/:id`. */

export const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'letters, digits, _ and -, at most 64' });
const Lat = Type.Number({ minimum: -90, maximum: 90 });
const Lon = Type.Number({ minimum: -180, maximum: 180 });
const RadiusM = Type.Number({ exclusiveMinimum: 0, maximum: 100_000 });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const TimeRange = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-4]):[0-5]\\d$', description: 'HH:MM-HH:MM' });
const strict = { additionalProperties: false } as const;

export const Channel = Type.Union([
  Type.Object({ type: Type.Literal('webhook'), url: Type.String({ pattern: '^https?://' }) }, strict),
  Type.Object(
    { type: Type.Literal('sms'), phone: Type.String({ pattern: '^\\+?[0-9]{5,20}$' }) },
    strict,
  ),
  Type.Object({ type: Type.Literal('mqtt'), topic: Type.Optional(Type.String({ minLength: 1 })) }, strict),
]);
export type Channel = Static<typeof Channel>;

const AccessHours = Type.Union([
  Type.Literal('24/7'),
  Type.Record(Type.String({ pattern: '^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$' }), TimeRange),
]);

const Place = Type.Object({ lat: Lat, lon: Lon, radiusM: RadiusM }, strict);

export const EscalationStep = Type.Object(
  {
    notify: Type.Array(Type.Union([Type.Literal('onDuty'), Type.Literal('backup'), Type.Literal('family'), Type.Literal('emergencyGroup'), Type.Literal('doctor')]), { minItems: 1 }),
    waitS: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
  },
  strict,
);

export const VitalThresholds = Type.Object(
  {
    hrMin: Type.Optional(Type.Number({ minimum: 20, maximum: 250 })),
    hrMax: Type.Optional(Type.Number({ minimum: 20, maximum: 250 })),
    sbpMax: Type.Optional(Type.Number({ minimum: 50, maximum: 300 })),
    dbpMax: Type.Optional(Type.Number({ minimum: 20, maximum: 200 })),
    spo2Min: Type.Optional(Type.Number({ minimum: 50, maximum: 100 })),
    forS: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
  },
  strict,
);

const Seconds = Type.Integer({ minimum: 0, maximum: 7 * 86_400 });
/** The resident-safety rules a deployment, a grid or a resident may override (DESIGN.md defaults). */
const SafetyRuleFields = {
  fall: Type.Optional(Type.Object({ minConfidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })), cancelWindowS: Type.Optional(Seconds) }, strict)),
  vitals: Type.Optional(VitalThresholds),
  noMotion: Type.Optional(Type.Object({ afterS: Type.Optional(Seconds), wakingHours: Type.Optional(TimeRange) }, strict)),
  stayedIn: Type.Optional(Type.Object({ afterS: Type.Optional(Seconds) }, strict)),
  deviceOffline: Type.Optional(Type.Object({ afterS: Type.Optional(Seconds) }, strict)),
};
export const SafetyRuleOverrides = Type.Object(SafetyRuleFields, strict);

/** A resident's own thresholds: the contract's flat vitals keys, and any rule by name. */
export const ResidentThresholds = Type.Object({ ...VitalThresholds.properties, ...SafetyRuleFields }, strict);

export const DISPATCH120_TRIGGERS = ['fall', 'sos', 'vitals_critical'] as const;
export const Dispatch120Policy = Type.Object(
  {
    afterS: Type.Integer({ minimum: 0, maximum: 3600, description: 'seconds an emergency may stay unacked before it is handed off' }),
    on: Type.Array(Type.Union(DISPATCH120_TRIGGERS.map((t) => Type.Literal(t))), { minItems: 1 }),
  },
  strict,
);

export const Grid = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    district: Type.Optional(Id),
    onDuty: Type.Array(Id, { default: [] }),
    backup: Type.Array(Id, { default: [] }),
    emergencyGroup: Type.Array(Id, { default: [] }),
    boundary: Type.Optional(Type.Array(Type.Tuple([Lat, Lon]), { minItems: 3 })),
    escalation: Type.Optional(Type.Array(EscalationStep, { minItems: 1 })),
    /** CONTRACT.md §6 "Re-page": page again on a new critical occurrence; repeat the last step (0: never). */
    repage: Type.Optional(
      Type.Object(
        { newCriticalOccurrence: Type.Optional(Type.Boolean()), repeatLastStepS: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })) },
        strict,
      ),
    ),
    /** This grid's overrides of the deployment's rules (its residents' own thresholds win). */
    rules: Type.Optional(Type.Object(SafetyRuleFields, strict)),
    /** The family doctors paired with this grid's workers. */
    doctors: Type.Optional(Type.Array(Id)),
    /** When an unanswered emergency is handed to the 120 dispatch centre; absent: never. */
    dispatch120: Type.Optional(Dispatch120Policy),
    /** Workers who empty the grid's bins: a full bin pages them, in working hours. */
    sanitation: Type.Optional(Type.Array(Id, { minItems: 1 })),
  },
  strict,
);

export const Worker = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    grids: Type.Array(Id, { default: [] }),
    channels: Type.Array(Channel, { default: [] }),
  },
  strict,
);

export const CONDITIONS = ['copd', 'hypertension', 'dementia', 'cardiac', 'asthma', 'diabetes'] as const;


/** Data categories a resident may share (CONTRACT.md §6), and with whom. */
export const SHARING_CATEGORIES = ['location', 'vitals', 'activity', 'conditions'] as const;
export type SharingCategory = (typeof SHARING_CATEGORIES)[number];
export const SHARING_RECIPIENTS = ['worker', 'doctor', 'family', 'responder'] as const;
export type SharingRecipient = (typeof SHARING_RECIPIENTS)[number];
const Recipients = Type.Array(Type.Union(SHARING_RECIPIENTS.map((r) => Type.Literal(r))), { uniqueItems: true });
export const Sharing = Type.Object(
  { location: Type.Optional(Recipients), vitals: Type.Optional(Recipients), activity: Type.Optional(Recipients), conditions: Type.Optional(Recipients) },
  strict,
);
export type Sharing = Static<typeof Sharing>;

export const CALL_BUTTON_TARGETS = ['doctor', 'onDuty', 'backup', 'family'] as const;
export type CallButtonTarget = (typeof CALL_BUTTON_TARGETS)[number];

export const Contact = Type.Object(
  {
    /** Names the contact for a family token and on timelines; without it the contact is named by position. */
    id: Type.Optional(Id),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    relation: Type.Optional(Type.String({ maxLength: 100 })),
    channels: Type.Array(Channel, { default: [] }),
  },
  strict,
);

export const Resident = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    grid: Id,
    address: Type.Optional(Type.String({ maxLength: 500 })),
    home: Type.Optional(Place),
    safeZone: Type.Optional(Place),
    conditions: Type.Array(Type.Union(CONDITIONS.map((c) => Type.Literal(c))), { default: [] }),
    livesAlone: Type.Optional(Type.Boolean()),
    contacts: Type.Array(Contact, { default: [] }),
    thresholds: Type.Optional(ResidentThresholds),
    /** The resident's family doctor. */
    doctor: Type.Optional(Id),
    /** How to get in (a key with a neighbour, a gate code): for the 120 handoff and those on the way. */
    accessNotes: Type.Optional(Type.String({ maxLength: 500 })),
    /** Whom the SOS button reaches, in order; absent: the grid's escalation policy. */
    callButton: Type.Optional(Type.Array(Type.Union(CALL_BUTTON_TARGETS.map((t) => Type.Literal(t))), { minItems: 1, uniqueItems: true })),
    /** What routine data reaches whom; absent categories reach nobody (emergencies excepted). */
    sharing: Type.Optional(Sharing),
  },
  strict,
);

export const Device = Type.Object(
  {
    id: Id,
    kind: Type.Union([Type.Literal('bracelet'), Type.Literal('aed'), Type.Literal('air'), Type.Literal('bin')]),
    /** Plain on load and on PUT; only its hash is kept. Optional on PUT of a known device. */
    secret: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
    resident: Type.Optional(Id),
    aed: Type.Optional(Id),
    station: Type.Optional(Id),
    /** A bin (CONTRACT.md §6): the grid it stands in and where. */
    grid: Type.Optional(Id),
    lat: Type.Optional(Lat),
    lon: Type.Optional(Lon),
    /** What people call a bin's place ("east gate of Building 3"); pages and the map show it. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  strict,
);


export const Aed = Type.Object(
  {
    id: Id,
    lat: Lat,
    lon: Lon,
    grid: Type.Optional(Id),
    floor: Type.Optional(Type.String({ maxLength: 50 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    accessHours: Type.Optional(AccessHours),
    guardian: Type.Optional(Id),
    serial: Type.Optional(Type.String({ maxLength: 100 })),
    padsExpiry: Type.Optional(IsoDate),
    batteryExpiry: Type.Optional(IsoDate),
  },
  strict,
);

export const Station = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    lat: Lat,
    lon: Lon,
    district: Id,
    /** What people call the district; boards show it (never the id). */
    districtName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  strict,
);

export const Responder = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    certifiedUntil: Type.Optional(IsoDate),
    available: Type.Boolean({ default: false }),
    lat: Type.Optional(Lat),
    lon: Type.Optional(Lon),
    channels: Type.Array(Channel, { default: [] }),
  },
  strict,
);

export const Doctor = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    grids: Type.Array(Id, { default: [] }),
    /** When the doctor answers calls (the SOS button's `doctor` target); absent: never by the button. */
    clinicHours: Type.Optional(AccessHours),
    channels: Type.Array(Channel, { default: [] }),
  },
  strict,
);

/** The 120 dispatch centre's endpoint; the body template's `{{name}}`s are listed in the README. */
export const Dispatch120Endpoint = Type.Object(
  {
    url: Type.String({ pattern: '^https?://' }),
    bodyTemplate: Type.String({ minLength: 2, maxLength: 20_000 }),
    contentType: Type.Optional(Type.Union([Type.Literal('application/json'), Type.Literal('application/x-www-form-urlencoded')])),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  strict,
);
export type Dispatch120Endpoint = Static<typeof Dispatch120Endpoint>;

export const RulesOverrides = Type.Object(
  {
    ...SafetyRuleFields,
    aedOpened: Type.Optional(
      Type.Object({ radiusM: Type.Optional(RadiusM), responders: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })), acceptTimeoutS: Type.Optional(Seconds) }, strict),
    ),
    aqhi: Type.Optional(
      Type.Object(
        {
          profile: Type.String({ minLength: 1 }),
          /** A profile version other than the default one, e.g. hk 2025 (unverified). */
          version: Type.Optional(Type.String({ minLength: 1 })),
          /** The local profile's coefficients, bands and advice; checked by rules/aqhi validateLocalProfileConfig. */
          local: Type.Optional(Type.Unknown()),
        },
        strict,
      ),
    ),
  },
  strict,
);

export const COLLECTIONS = {
  grids: Grid,
  workers: Worker,
  residents: Resident,
  devices: Device,
  aeds: Aed,
  stations: Station,
  responders: Responder,
  doctors: Doctor,
} as const satisfies Record<string, TSchema>;

export type CollectionName = keyof typeof COLLECTIONS;
export const COLLECTION_NAMES = Object.keys(COLLECTIONS) as CollectionName[];

export interface EntityByCollection {
  grids: Static<typeof Grid>;
  workers: Static<typeof Worker>;
  residents: Static<typeof Resident>;
  devices: Static<typeof Device>;
  aeds: Static<typeof Aed>;
  stations: Static<typeof Station>;
  responders: Static<typeof Responder>;
  doctors: Static<typeof Doctor>;
}
export type GridEntity = EntityByCollection['grids'];
export type ResidentEntity = EntityByCollection['residents'];
export type DeviceEntity = EntityByCollection['devices'];
export type DoctorEntity = EntityByCollection['doctors'];

export const ProvisionFile = Type.Object(
  {
    timeZone: Type.Optional(Type.String({ minLength: 1 })),
    rules: Type.Optional(RulesOverrides),
    grids: Type.Optional(Type.Array(Grid)),
    workers: Type.Optional(Type.Array(Worker)),
    residents: Type.Optional(Type.Array(Resident)),
    devices: Type.Optional(Type.Array(Device)),
    aeds: Type.Optional(Type.Array(Aed)),
    stations: Type.Optional(Type.Array(Station)),
    responders: Type.Optional(Type.Array(Responder)),
    doctors: Type.Optional(Type.Array(Doctor)),
    dispatch120: Type.Optional(Dispatch120Endpoint),
  },
  strict,
);
export type ProvisionFile = Static<typeof ProvisionFile>;
