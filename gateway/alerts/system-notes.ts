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

export function systemNote(code: SystemNoteCode, params: Record<string, string | number>, atMs: number): NoteEntry {
  const words = SYSTEM_NOTES[code];
  return { type: 'note', atMs, by: null, text: fill(words.en, params), zh: fill(words.zh, params), code, params };
}

/** Names joined for a sentence: "Wang Fang, Liu Yang" / "王芳、刘洋"; nobody when empty. */
export function namesList(names: readonly string[], language: 'en' | 'zh'): string {
  if (names.length === 0) return language === 'en' ? 'nobody' : '无人';
  return names.join(language === 'en' ? ', ' : '、');
}
