export * from './types.js';
export { createAqhiEngine, HOUR_MS } from './engine.js';
export type {
  AqhiEngine,
  AqhiEngineOptions,
  AqhiEngineSnapshot,
  HourlySummary,
  IngestResult,
  PollutantHour,
  RejectedValue,
  RejectReason,
} from './engine.js';
export { evaluateConcentrations, evaluateProfile } from './evaluate.js';
export { addedRiskPct, bandFromAddedRisk, scaleAddedRisk } from './risk-sum.js';
export { interpolate, levelFor, termSubIndex, termSubIndexFromInput } from './breakpoint.js';
export type { SubIndexOutcome } from './breakpoint.js';
export { constantWindowMeans } from './window-means.js';
export { categoryForBand, describeCategory } from './category-for-band.js';
export { convertFromInput, convertToInput, MOLAR_VOLUME_L, MOLECULAR_WEIGHT_G_PER_MOL } from './units.js';
export { ceilGuarded, roundHalfEven, roundHalfUp, truncateTo } from './rounding.js';
export { AqhiConfigError, createLocalProfile, validateLocalProfileConfig } from './local-profile.js';
export type { LocalCategoryConfig, LocalProfileConfig, LocalTermConfig } from './local-profile.js';
export {
  DEFAULT_PROFILE_NAME,
  findProfile,
  getProfile,
  listProfiles,
  PROFILE_NAMES,
  resolveProfile,
} from './registry.js';
export type { ProfileName, ProfileSelection, ProfileSummary } from './registry.js';
export { HK_2013 } from './hk-2013.js';
export { HK_2025_UNVERIFIED } from './hk-2025-unverified.js';
export { CANADA_2008 } from './canada-2008.js';
export { CHINA_HJ633_2012 } from './china-hj633-2012.js';
export { CHINA_HJ633_2026 } from './china-hj633-2026.js';
export { US_EPA_2024 } from './us-epa-2024.js';
export { addDays, localDateOf, localDayBounds, localTimeToMs, parseTimeOfDay, zoneOffsetMs } from './local-day.js';
export { bandOfValue, highBandOf } from './index-band.js';
export { limitsOf } from './daily-limits.js';
export type { PollutantLimit } from './daily-limits.js';
export { bandView, buildDailyFigures, DEFAULT_REQUIRED_HOURS, mergeStationHours } from './daily-report.js';
export type { BandView, DailyFigures, DailyReportInput, DayHour, LimitOutcome, PollutantDay } from './daily-report.js';
export { fitModel, lastObserved, modelForecast } from './forecast-model.js';
export type { FittedModel, IndexSeries, ModelFit, ModelOptions } from './forecast-model.js';
export { modelBeatsPersistence, scoreSkill, SKILL_LEADS } from './forecast-skill.js';
export type { LeadSkill, ScoredPair, Skill, SkillLead } from './forecast-skill.js';
export { calibrate, correct, fitLine } from './neighbourhood-calibration.js';
export type { Calibration, CalibrationFigures, CalibrationOptions, CalibrationStatus, ColocatedHour, LinearFit } from './neighbourhood-calibration.js';
