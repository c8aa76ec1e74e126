export * from './types.js';
export * from './defaults.js';
export { daysUntil, isExpired, isoDateDayNumber, localDayNumber, localTimeFor, weekdayOfDayNumber } from './calendar.js';
export * from './access-hours.js';
export * from './working-hours.js';
export * from './nearest.js';
export * from './cabinet-engine.js';
export * from './dispatch.js';
export * from './incident-link.js';
