// @ts-check
/*
 * The API bodies the pages read, as JSDoc types (tsc checks the pages against them:
 * gateway/web/tsconfig.json). They mirror gateway/alerts/alert-view.ts, gateway/aqhi/feed-schema.ts
 * and the routes in gateway/http/routes/.
 */

/** @typedef {'admin' | 'worker' | 'bureau' | 'responder' | 'doctor' | 'family' | 'dispatcher'} Role */
/** @typedef {'critical' | 'high' | 'medium' | 'low'} Severity */
/** @typedef {'open' | 'acked' | 'resolved'} AlertState */
/** @typedef {{ zh: string, en: string }} LocalizedText */

/**
 * @typedef {object} Me
 * @property {Role} role
 * @property {string | null} subject
 * @property {string | null} name
 * @property {{ id: string, name: string }[]} grids
 * @property {{ id: string, name: string, kind: string }[]} team
 * @property {string} timeZone
 * @property {string} now
 */

/**
 * @typedef {object} TimelineEntry
 * @property {string} at
 * @property {'raised' | 'escalated' | 'paged' | 'delivered' | 'failed' | 'acked' | 'resolved' | 'note' | 'digested' | 'repaged'} type
 * @property {Severity} [severity]
 * @property {Severity} [previousSeverity]
 * @property {number} [occurrence]
 * @property {string} [to]
 * @property {string} [channel]
 * @property {number | null} [step]
 * @property {string} [error]
 * @property {string | null} [by]
 * @property {string} [note]
 * @property {string} [text]
 * @property {'step' | 'repage' | 'manual' | 'cleared'} [reason]
 * @property {'new_occurrence' | 'last_step_repeated'} [cause]
 * @property {string[]} [notify]
 * @property {string[]} [recipients]
 * @property {string} [code] a failed page: why, in a word (bad_address, unreachable, no_answer, refused, cut_off, sms_not_configured, mqtt_failed, unknown); a system note: which note
 * @property {number} [attempt]
 * @property {number} [maxAttempts]
 * @property {string} [zh] a system note in Chinese (`text` is the English)
 * @property {string} [detail] what a machine said, for whoever fixes it
 */

/**
 * @typedef {object} AlertView
 * @property {string} id
 * @property {string} kind
 * @property {Severity} severity
 * @property {AlertState} state
 * @property {string} subject
 * @property {string} grid
 * @property {string} createdAt
 * @property {string | null} ackedAt
 * @property {string | null} resolvedAt
 * @property {string} lastOccurredAt
 * @property {string | null} assignee
 * @property {number} occurrences
 * @property {Record<string, unknown>} details
 * @property {number | null} escalationStep
 * @property {TimelineEntry[]} timeline
 * @property {'emergency'} [sharedUnder]
 */

/**
 * @typedef {object} NearbyAed
 * @property {string} id
 * @property {number} lat
 * @property {number} lon
 * @property {number} distanceM
 * @property {string | null} description
 * @property {string | null} floor
 */

/**
 * @typedef {object} AlertContext
 * @property {{ id: string, name: string, address: string | null, conditions: string[], livesAlone: boolean | null } | null} resident
 * @property {{ lat: number, lon: number, at: string | null, source: string, sharedUnder?: 'emergency' } | null} location
 * @property {NearbyAed[]} nearestAeds
 * @property {{ name: string, relation: string | null, phones: string[] }[]} contacts
 * @property {{ name: string, phones: string[] } | null} [doctor] the resident's family doctor, where the gateway says
 * @property {{ id: string, name: string, gridName: string | null } | null} [bin] the bin a full-bin alert is about
 */

/** @typedef {AlertView & { context: AlertContext | null, related: AlertView[] }} AlertDetail */

/**
 * GET /api/devices/:id/readings
 * @typedef {{ deviceId: string, kind: string, from: string, to: string, readings: ({ ts: number } & Record<string, number>)[] }} DeviceReadings
 */

/** @typedef {{ change: string[], alert: AlertView }} AlertChangeMessage */

/**
 * @typedef {object} Contribution
 * @property {string} pollutant
 * @property {string} term
 * @property {number} inputMean
 * @property {number} concentration
 * @property {string} unit
 * @property {string} kind
 * @property {number} value
 * @property {boolean} counted
 */

/**
 * @typedef {object} HealthAdvice
 * @property {LocalizedText} generalPublic
 * @property {LocalizedText} heartOrRespiratory
 * @property {LocalizedText} elderly
 * @property {LocalizedText} children
 * @property {LocalizedText} outdoorWorkers
 */

/**
 * @typedef {object} StationIndex
 * @property {string} stationId
 * @property {string} name
 * @property {string} district
 * @property {string} [districtName]
 * @property {number} lat
 * @property {number} lon
 * @property {number | null} value
 * @property {string | null} display
 * @property {number | null} band
 * @property {{ id: string, name: LocalizedText, color: string } | null} category
 * @property {string | null} color
 * @property {boolean} high
 * @property {HealthAdvice | null} advice
 * @property {string | null} time
 * @property {boolean} provisional
 * @property {string[]} pollutantsUsed
 * @property {string[]} primaryPollutants
 * @property {Contribution[]} contributions
 * @property {{ pollutant: string, reason: string, validHours?: number, requiredHours?: number }[]} missing
 * @property {string | null} nullReason
 * @property {boolean} stale
 * @property {string | null} lastReadingAt
 */

/**
 * @typedef {object} AqhiFeed
 * @property {{ name: string, version: string, status: string, title: LocalizedText, kind?: 'risk-sum' | 'breakpoint', openBandLabel?: string,
 *   categories?: { id: string, name: LocalizedText, color: string, fromBand: number, toBand: number }[] }} profile
 * @property {string} generatedAt
 * @property {StationIndex[]} stations
 */

/**
 * @typedef {object} HistoryPoint
 * @property {string} time
 * @property {number} hourStartMs
 * @property {number} hourEndMs
 * @property {number | null} value
 * @property {string | null} display
 * @property {number | null} band
 * @property {{ id: string, name: LocalizedText, color: string } | null} category
 * @property {boolean} provisional
 */

/** @typedef {{ stationId: string, hours: number, from: string, to: string, points: HistoryPoint[] }} AqhiHistory */

/**
 * @typedef {object} MapBody
 * @property {string} generatedAt
 * @property {{ url: string, attribution: string, maxZoom: number } | null} tiles
 * @property {{ id: string, name: string, district: string | null, boundary: [number, number][] | null, yours: boolean }[]} grids
 * @property {{ lat: number, lon: number, grid: string, residents: number }[]} homes
 * @property {MapResident[]} residents
 * @property {MapAed[]} aeds
 * @property {{ id: string, name: string, lat: number, lon: number }[]} responders
 * @property {MapStation[]} stations
 * @property {MapEmergency[]} emergencies
 * @property {MapSensor[]} [sensors] neighbourhood sensors (bins) with their calibration status
 */

/**
 * An active emergency on the map: the patient, and each responder on the way with the AED they fetch.
 * @typedef {object} MapEmergency
 * @property {string} id
 * @property {string} kind
 * @property {{ zh: string, en: string }} label
 * @property {number} lat
 * @property {number} lon
 * @property {string | null} address
 * @property {string} createdAt
 * @property {MapRescuer[]} responders
 */

/**
 * @typedef {object} MapRescuer
 * @property {string} id
 * @property {string} name
 * @property {'asked' | 'accepted' | 'aed_collected' | 'on_scene'} state
 * @property {{ lat: number, lon: number } | null} position
 * @property {{ id: string, name: string, lat: number, lon: number, state: string } | null} aed
 */

/**
 * @typedef {object} MapResident
 * @property {string} id
 * @property {string} name
 * @property {string} grid
 * @property {string | null} address
 * @property {{ lat: number, lon: number, source: string, at: string | null } | null} location
 * @property {{ id: string, kind: string, severity: Severity, state: AlertState, createdAt: string }[]} alerts
 */

/**
 * @typedef {object} MapAed
 * @property {string} id
 * @property {number} lat
 * @property {number} lon
 * @property {string | null} grid
 * @property {string | null} description
 * @property {string | null} floor
 * @property {string} state
 */

/**
 * @typedef {object} MapStation
 * @property {string} id
 * @property {string} name
 * @property {string} district
 * @property {number} lat
 * @property {number} lon
 * @property {number | null} value
 * @property {string | null} display
 * @property {number | null} band
 * @property {string | null} color
 * @property {boolean} stale
 */

/**
 * The family page's read (GET /api/family; gateway/sharing/family-view.ts).
 * @typedef {object} FamilyPlace
 * @property {number} lat
 * @property {number} lon
 * @property {number | null} fromHomeM
 * @property {boolean} atHome
 * @property {'emergency'} [sharedUnder]
 */

/**
 * @typedef {object} FamilyAlert
 * @property {string} id
 * @property {string} kind
 * @property {Severity} severity
 * @property {AlertState} state
 * @property {string} createdAt
 * @property {FamilyPlace | null} place
 * @property {string[]} onTheWay
 * @property {boolean} goingMyself
 * @property {'emergency'} [sharedUnder]
 */

/**
 * @typedef {object} FamilyView
 * @property {{ id: string, name: string, address: string | null, gridName: string | null }} resident
 * @property {{ at: string | null, place: FamilyPlace | null }} lastSeen
 * @property {FamilyAlert[]} alerts
 * @property {{ name: string, phones: string[] }[]} workers
 */

/**
 * One row of GET /api/residents/:id/access-log.
 * @typedef {object} AccessLogEntry
 * @property {string} at
 * @property {string} actor
 * @property {string | null} actorName
 * @property {string} role
 * @property {string} category
 * @property {string} action
 * @property {string} ground
 */

export {};

/**
 * A neighbourhood sensor (smart bin) on the map: never part of the official index.
 * @typedef {object} MapSensor
 * @property {string} id
 * @property {string | null} name
 * @property {string | null} grid the grid's name
 * @property {number} lat
 * @property {number} lon
 * @property {string | null} status ok, calibrating, drifting, stuck, no_station
 * @property {LocalizedText | null} reason
 * @property {boolean} stale
 * @property {number | null} fill
 * @property {{ raw: number | null, corrected: number | null } | null} pm25
 */
