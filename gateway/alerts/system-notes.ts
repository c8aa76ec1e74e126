import type { NoteEntry } from '../../rules/safety/index.js';

/**
 * What the gateway itself writes on a timeline, in both languages. Parameters are names and
 * places, never ids; the entry keeps `text` (English) for older clients, and adds `zh`, the code
 * and its parameters so an app can word it its own way.
 */
export const SYSTEM_NOTES = {
  unreachable: { en: 'Could not reach {people} on any channel.', zh: '所有方式均未能联系到{peopleZh}。' },
  responderPaged: { en: 'Responder {name} paged ({distanceM} m away).', zh: '已呼叫志愿者{name}（相距 {distanceM} 米）。' },
  responderTimedOut: { en: 'Responder {name} did not answer in time.', zh: '志愿者{name}未及时回应。' },
  responderReleased: { en: 'Responder {name} no longer needed.', zh: '志愿者{name}已无需前往。' },
  responderAccepted: { en: 'Responder {name} accepted.', zh: '志愿者{name}已接受。' },
  responderDeclined: { en: 'Responder {name} declined.', zh: '志愿者{name}已拒绝。' },
  radiusWidened: { en: 'Search radius widened from {fromM} m to {toM} m.', zh: '搜索范围由 {fromM} 米扩大到 {toM} 米。' },
  dispatchFilled: { en: 'Dispatch ended: enough responders coming ({accepted}).', zh: '调度结束：已有足够志愿者前往（{acceptedZh}）。' },
  dispatchExhausted: { en: 'Dispatch ended: no more responders to ask; coming: {accepted}.', zh: '调度结束：附近已无可呼叫的志愿者；前往者：{acceptedZh}。' },
  dispatchStopped: { en: 'Dispatch ended; coming: {accepted}.', zh: '调度结束；前往者：{acceptedZh}。' },
  noChannelRole: { en: 'Nobody in the {role} ({people}) has a channel to page.', zh: '{roleZh}（{peopleZh}）均无可用的通知方式。' },
  guardianAsked: { en: '{guardian} asked to restock the pads and check the AED.', zh: '已请{guardian}补充电极片并检查AED。' },
  guardianNone: { en: 'No guardian registered for this cabinet: restock the pads and check the AED in person.', zh: '此AED柜未登记管理人：请派人补充电极片并检查AED。' },
  aedTakenOut: { en: 'The AED was taken out of the cabinet.', zh: 'AED已从柜中取出。' },
  cabinetClosed: { en: 'The cabinet door closed with the AED inside (in use {duration}).', zh: 'AED柜门已关闭，AED在柜内（使用 {durationZh}）。' },
  aedReturned: { en: 'The AED was put back in the cabinet (in use {duration}).', zh: 'AED已放回柜中（使用 {durationZh}）。' },
  restockConfirmed: { en: '{name} confirmed the cabinet is restocked.', zh: '{nameZh}已确认AED柜补充完毕。' },
  maintenanceStarted: { en: 'Maintenance started on the cabinet.', zh: 'AED柜开始维护。' },
  partExpired: { en: 'The {part} expired on {date}.', zh: '{partZh}已于 {date} 过期。' },
  cabinetRecorded: { en: 'The cabinet reported a change.', zh: 'AED柜报告了一项变化。' },
  ruleRecorded: { en: 'The rules recorded a change on this alert.', zh: '规则在此告警上记录了一项变化。' },
  lateCancelFall: { en: 'The wearer pressed cancel after the fall alert was raised: close it in person.', zh: '跌倒告警发出后佩戴者按了取消：请当面确认后再结束。' },
  lateCancelSos: { en: 'The wearer pressed cancel after an SOS: an SOS cannot be cancelled, close it in person.', zh: '佩戴者在一键呼救后按了取消：呼救不可取消，请当面确认后再结束。' },
  laterFallCancelled: { en: 'A later fall was cancelled by the wearer (false alarm).', zh: '之后的一次跌倒已被佩戴者取消（误报）。' },
  handoffStarting: { en: 'Not acknowledged in time: handing over to the 120 dispatch centre.', zh: '未及时接手：正在转交120急救调度中心。' },
  handoffSent: { en: 'Handed over to the 120 dispatch centre.', zh: '已转交120急救调度中心。' },
  handoffSentReference: { en: 'Handed over to the 120 dispatch centre, reference {reference}.', zh: '已转交120急救调度中心，编号 {reference}。' },
  handoffRetrying: { en: 'The 120 dispatch centre did not take the handover (attempt {attempt}); trying again.', zh: '120急救调度中心未接收转交（第 {attempt} 次）；将再次尝试。' },
  arrestReported: { en: 'Cardiac arrest reported on the scene: responders and AEDs sent.', zh: '现场报告心脏骤停：已派出志愿者和AED。' },
  linkedCabinet: { en: 'Linked with the opened AED cabinet at {place} ({where}).', zh: '与{place}被打开的AED柜关联（{whereZh}）。' },
  linkedResident: { en: 'Linked with the {kind} of {name} ({where}).', zh: '与{name}的{kindZh}告警关联（{whereZh}）。' },
} as const satisfies Record<string, { en: string; zh: string }>;

export type SystemNoteCode = keyof typeof SYSTEM_NOTES;

/** The escalation's roles in words. */
export const ROLE_WORDS: Record<string, { en: string; zh: string }> = {
  onDuty: { en: 'on-duty workers', zh: '值班网格员' },
  backup: { en: 'backup workers', zh: '后备网格员' },
  family: { en: 'family', zh: '家属' },
  emergencyGroup: { en: 'emergency group', zh: '应急小组' },
  assignee: { en: 'worker in charge', zh: '负责人' },
};

function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (params[key] === undefined ? whole : String(params[key])));
}

/**
 * A note in both languages. `detail` is what a machine said (an outside service's answer, an
 * error), kept for whoever must fix it and shown folded as technical detail, never as the sentence.
 */
export function systemNote(code: SystemNoteCode, params: Record<string, string | number>, atMs: number, detail?: string): NoteEntry {
  const words = SYSTEM_NOTES[code];
  const entry: NoteEntry = { type: 'note', atMs, by: null, text: fill(words.en, params), zh: fill(words.zh, params), code, params };
  return detail === undefined || detail === '' ? entry : { ...entry, detail };
}

/** A stretch of time in words: "2 min 5 s" / "2 分 5 秒". */
export function durationWords(seconds: number, language: 'en' | 'zh'): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (language === 'zh') return m === 0 ? `${rest} 秒` : rest === 0 ? `${m} 分钟` : `${m} 分 ${rest} 秒`;
  return m === 0 ? `${rest} s` : rest === 0 ? `${m} min` : `${m} min ${rest} s`;
}

/** Names joined for a sentence: "Wang Fang, Liu Yang" / "王芳、刘洋"; nobody when empty. */
export function namesList(names: readonly string[], language: 'en' | 'zh'): string {
  if (names.length === 0) return language === 'en' ? 'nobody' : '无人';
  return names.join(language === 'en' ? ', ' : '、');
}

/** A safety rule's line (written in English for the log) as a person reads it: by the rule that wrote it. */
export function ruleNote(outcome: { kind: string; text: string; details: Record<string, unknown> }, atMs: number): NoteEntry {
  const lateCancel = typeof outcome.details.cancelledAtMs === 'number';
  if (lateCancel && outcome.kind === 'fall') return systemNote('lateCancelFall', {}, atMs);
  if (lateCancel && outcome.kind === 'sos') return systemNote('lateCancelSos', {}, atMs);
  // A line from a rule these words do not know (a flow's, say): its own text kept as detail.
  return systemNote('ruleRecorded', {}, atMs, outcome.text);
}
