// @ts-check
/*
 * Chinese and English. Every text on the pages comes from here, by key; the alert kinds match
 * KIND_LABELS in gateway/alerts/page-message.ts so a page and the SMS say the same words.
 */

import { ACTION_STRINGS } from './strings-action.js';
import { RESCUE_STRINGS } from './map-rescue-strings.js';
import { FAMILY_STRINGS } from './strings-family.js';
import { DOCTOR_STRINGS } from './strings-doctor.js';

/** @typedef {'zh' | 'en'} Language */

const BASE_STRINGS = {
  'app.name': { zh: '社区健康守护', en: 'Community health' },
  'nav.console': { zh: '告警处理', en: 'Alerts' },
  'nav.board': { zh: '空气指数', en: 'Air index' },
  'nav.map': { zh: '应急地图', en: 'Map' },
  'nav.signIn': { zh: '登录', en: 'Sign in' },
  'nav.signOut': { zh: '退出', en: 'Sign out' },
  'prefs.language': { zh: 'English', en: '中文' },
  'prefs.languageLabel': { zh: '切换到英文', en: 'Switch to Chinese' },
  'prefs.largeType': { zh: '大字', en: 'Large text' },
  'prefs.highContrast': { zh: '高对比', en: 'High contrast' },

  'login.title': { zh: '登录', en: 'Sign in' },
  'login.intro': {
    zh: '粘贴管理员发给您的访问令牌，每台设备只需一次。本设备会保持登录，直到您退出或连续 14 天未使用。',
    en: 'Paste the access token your administrator gave you, once on each device. This device stays signed in until you sign out, or after 14 days unused.',
  },
  'login.token': { zh: '访问令牌', en: 'Access token' },
  'login.submit': { zh: '登录', en: 'Sign in' },
  'login.checking': { zh: '正在核对…', en: 'Checking…' },
  'login.refused': { zh: '令牌无效或已被收回，请向管理员索取新令牌。', en: 'This token is unknown or revoked. Ask your administrator for a new one.' },
  'login.unreachable': { zh: '无法连接网关，请稍后再试。', en: 'The gateway cannot be reached. Try again in a moment.' },
  'login.publicBoard': { zh: '不登录也可查看空气质量健康指数。', en: 'The air quality health index is open to everyone without signing in.' },
  'login.signedInAs': { zh: '已登录：{name}（{role}）', en: 'Signed in as {name} ({role})' },

  'role.admin': { zh: '管理员', en: 'administrator' },
  'role.worker': { zh: '网格员', en: 'grid worker' },
  'role.bureau': { zh: '环境部门', en: 'environment bureau' },
  'role.responder': { zh: '志愿急救员', en: 'responder' },

  'console.title': { zh: '告警处理', en: 'Alerts' },
  'console.inbox': { zh: '待处理告警', en: 'Alert inbox' },
  'console.counts': { zh: '未处理 {open} · 处理中 {acked}', en: '{open} open · {acked} in hand' },
  'console.showResolved': { zh: '显示已结束', en: 'Show resolved' },
  'console.empty': { zh: '没有需要处理的告警。', en: 'No alerts need you now.' },
  'console.pick': { zh: '选择左侧的告警查看详情。', en: 'Pick an alert to see what to do.' },
  'console.back': { zh: '返回列表', en: 'Back to the list' },
  'console.live': { zh: '实时', en: 'Live' },
  'console.connecting': { zh: '正在连接…', en: 'Connecting…' },
  'console.reconnecting': { zh: '连接中断，正在重连…', en: 'Connection lost, retrying…' },
  'console.newAlert': { zh: '新告警：{kind}，{who}', en: 'New alert: {kind}, {who}' },
  'console.grids': { zh: '网格：{grids}', en: 'Grids: {grids}' },

  'alert.resident': { zh: '居民', en: 'Resident' },
  'alert.what': { zh: '发生了什么', en: 'What happened' },
  'alert.where': { zh: '位置', en: 'Where' },
  'alert.since': { zh: '开始时间', en: 'Since' },
  'alert.sinceValue': { zh: '{time}（{age}前）', en: '{time} ({age} ago)' },
  'alert.escalation': { zh: '升级', en: 'Escalation' },
  'alert.escalationNone': { zh: '尚未通知', en: 'No one paged yet' },
  'alert.escalationStep': { zh: '第 {n} 级：{who}', en: 'Step {n}: {who}' },
  'alert.nearestAeds': { zh: '最近的除颤器（AED）', en: 'Nearest AEDs' },
  'alert.noAed': { zh: '附近没有可用的除颤器', en: 'No usable AED nearby' },
  'alert.contacts': { zh: '家属联系人', en: 'Family contacts' },
  'alert.noContacts': { zh: '未登记家属', en: 'No family contacts registered' },
  'alert.timeline': { zh: '处理记录', en: 'Timeline' },
  'alert.related': { zh: '同一事件的其他告警', en: 'Related alerts' },
  'alert.note': { zh: '备注', en: 'Note' },
  'alert.notePlaceholder': { zh: '例如：已到现场，已联系家属', en: 'e.g. On site, family called' },
  'alert.ack': { zh: '我来处理', en: 'I am on it' },
  'alert.resolve': { zh: '结束告警', en: 'Resolve' },
  'alert.addNote': { zh: '添加备注', en: 'Add note' },
  'alert.resolveNeedsNote': { zh: '结束告警前请写下处理情况。', en: 'Write what was done before resolving.' },
  'alert.actionFailed': { zh: '操作未成功：{message}', en: 'That did not go through: {message}' },
  'alert.occurrences': { zh: '共 {n} 次', en: '{n} times' },
  'alert.occurrences.one': { zh: '共 {n} 次', en: 'once' },
  'alert.livesAlone': { zh: '独居', en: 'Lives alone' },
  'alert.assignee': { zh: '处理人：{name}', en: 'Handled by {name}' },
  'alert.showOnMap': { zh: '在地图上查看', en: 'Show on map' },
  'alert.openInConsole': { zh: '打开告警', en: 'Open the alert' },
  'alert.unknownPlace': { zh: '位置未知', en: 'Place unknown' },

  'where.event': { zh: '告警时手环定位', en: 'Bracelet position at the alert' },
  'where.last_reading': { zh: '手环最近定位', en: 'Last bracelet position' },
  'where.home': { zh: '住址', en: 'Home' },
  'where.aed': { zh: '除颤器柜', en: 'AED cabinet' },
  'where.station': { zh: '监测站', en: 'Air station' },

  'severity.critical': { zh: '危急', en: 'Critical' },
  'severity.high': { zh: '高', en: 'High' },
  'severity.medium': { zh: '中', en: 'Medium' },
  'severity.low': { zh: '低', en: 'Low' },
  'state.open': { zh: '未处理', en: 'Open' },
  'state.acked': { zh: '处理中', en: 'In hand' },
  'state.resolved': { zh: '已结束', en: 'Resolved' },

  'kind.fall': { zh: '跌倒', en: 'Fall' },
  'kind.sos': { zh: '一键呼救', en: 'SOS call' },
  'kind.vitals': { zh: '生命体征异常', en: 'Vital signs out of range' },
  'kind.no_motion': { zh: '长时间未活动', en: 'No movement' },
  'kind.stayed_in': { zh: '长时间未出门', en: 'Has not left home' },
  'kind.wandering': { zh: '走失风险', en: 'Left the safe zone' },
  'kind.device_offline': { zh: '手环离线', en: 'Bracelet offline' },
  'kind.battery_low': { zh: '手环电量低', en: 'Bracelet battery low' },
  'kind.not_worn': { zh: '手环未佩戴', en: 'Bracelet not worn' },
  'kind.aed_opened': { zh: 'AED柜门打开', en: 'AED cabinet opened' },
  'kind.aed_fault': { zh: 'AED故障', en: 'AED fault' },
  'kind.aqhi_high': { zh: '空气质量健康风险高', en: 'Air quality health risk high' },
  'kind.bin_full': { zh: '垃圾桶已满', en: 'Bin full' },

  'condition.copd': { zh: '慢阻肺', en: 'COPD' },
  'condition.hypertension': { zh: '高血压', en: 'hypertension' },
  'condition.dementia': { zh: '认知障碍', en: 'dementia' },
  'condition.cardiac': { zh: '心脏病', en: 'heart disease' },
  'condition.asthma': { zh: '哮喘', en: 'asthma' },
  'condition.diabetes': { zh: '糖尿病', en: 'diabetes' },

  'detail.confidence': { zh: '跌倒可信度 {value}%', en: 'fall confidence {value}%' },
  'detail.hr': { zh: '心率 {value}', en: 'heart rate {value}' },
  'detail.spo2': { zh: '血氧 {value}%', en: 'SpO₂ {value}%' },
  'detail.sbp': { zh: '收缩压 {value}', en: 'systolic {value}' },
  'detail.dbp': { zh: '舒张压 {value}', en: 'diastolic {value}' },
  'detail.bat': { zh: '电量 {value}%', en: 'battery {value}%' },
  'detail.conditions': { zh: '超出：{value}', en: 'out of range: {value}' },

  'notify.onDuty': { zh: '值班网格员', en: 'on-duty worker' },
  'notify.backup': { zh: '后备网格员', en: 'backup worker' },
  'notify.family': { zh: '家属', en: 'family' },
  'notify.emergencyGroup': { zh: '应急小组', en: 'emergency group' },

  'timeline.raised': { zh: '告警产生（{severity}）', en: 'Raised ({severity})' },
  'timeline.repeated': { zh: '再次发生，第 {n} 次', en: 'Happened again, time {n}' },
  'timeline.escalated': { zh: '升级到第 {n} 级：{who}', en: 'Escalated to step {n}: {who}' },
  'timeline.paged': { zh: '通知 {to}（{channel}）', en: 'Paged {to} by {channel}' },
  'timeline.delivered': { zh: '已送达 {to}（{channel}）', en: 'Delivered to {to} ({channel})' },
  'timeline.failed': { zh: '未能送达 {to}（{channel}）：{why}', en: 'Could not reach {to} ({channel}): {why}' },
  'timeline.acked': { zh: '{by} 已接手', en: 'Acknowledged by {by}' },
  'timeline.resolved': { zh: '{by} 已结束', en: 'Resolved by {by}' },
  'timeline.cleared': { zh: '情况已自行恢复', en: 'Cleared by itself' },
  'timeline.note': { zh: '{by} 备注', en: 'Note by {by}' },
  'timeline.digested': { zh: '放入晨间汇总', en: 'Put in the morning digest' },
  'timeline.you': { zh: '您', en: 'you' },
  'timeline.system': { zh: '系统', en: 'the system' },
  'timeline.someone': { zh: '其他网格人员', en: 'someone outside your grids' },
  'timeline.other': { zh: '系统记录', en: 'Recorded by the system' },

  'channel.webhook': { zh: '应用推送', en: 'app push' },
  'channel.sms': { zh: '短信', en: 'SMS' },
  'channel.mqtt': { zh: '应用消息', en: 'app message' },

  'age.justNow': { zh: '不到 1 分钟', en: 'under a minute' },
  'age.minutes': { zh: '{n} 分钟', en: '{n} min' },
  'age.hours': { zh: '{n} 小时', en: '{n} h' },
  'age.hoursMinutes': { zh: '{h} 小时 {m} 分钟', en: '{h} h {m} min' },
  'age.days': { zh: '{n} 天', en: '{n} days' },
  'age.days.one': { zh: '{n} 天', en: '1 day' },

  'board.title': { zh: '空气质量健康指数', en: 'Air quality health index' },
  'board.stations': { zh: '{n} 个监测站', en: '{n} stations' },
  'board.stations.one': { zh: '{n} 个监测站', en: '1 station' },
  'board.updated': { zh: '更新于 {time}', en: 'Updated {time}' },
  'board.lastReading': { zh: '最近数据：{time}（{age}前）', en: 'Last reading {time} ({age} ago)' },
  'board.noReading': { zh: '尚无数据', en: 'No reading yet' },
  'board.stale': { zh: '数据中断', en: 'Stale' },
  'board.staleLong': { zh: '超过 2 小时没有收到数据，指数可能已过时。', en: 'No reading for over 2 hours; the index may be out of date.' },
  'board.provisional': { zh: '本小时数据未完整', en: 'Hour not over yet' },
  'board.noValue': { zh: '数据不足', en: 'Not enough data' },
  'board.trend': { zh: '24 小时趋势', en: '24-hour trend' },
  'board.trendLabel': { zh: '{name} {days}趋势：{n} 个小时值，最低 {min}，最高 {max}', en: '{name} over {span}: {n} hourly values, lowest {min}, highest {max}' },
  'board.trendEmpty': { zh: '此时段没有小时值', en: 'No hourly values in this period' },
  'board.span.hours': { zh: '{n} 小时', en: '{n} hours' },
  'board.span.days': { zh: '{n} 天', en: '{n} days' },
  'board.contributions': { zh: '各污染物贡献', en: 'What drives the index' },
  'board.noContributions': { zh: '暂无', en: 'None yet' },
  'board.missing': { zh: '缺少：{list}', en: 'Missing: {list}' },
  'board.advice': { zh: '健康建议', en: 'Health advice' },
  'board.advice.generalPublic': { zh: '一般市民', en: 'General public' },
  'board.advice.heartOrRespiratory': { zh: '心脏病或呼吸系统疾病患者', en: 'Heart or respiratory illness' },
  'board.advice.elderly': { zh: '长者', en: 'Elderly' },
  'board.advice.children': { zh: '儿童', en: 'Children' },
  'board.advice.outdoorWorkers': { zh: '户外工作者', en: 'Outdoor workers' },
  'board.moreAdvice': { zh: '其他人群', en: 'Other groups' },
  'board.live': { zh: '实时', en: 'Live' },

  'map.title': { zh: '应急地图', en: 'Emergency map' },
  'map.legend': { zh: '图例', en: 'Legend' },
  'map.grid': { zh: '网格', en: 'Grid' },
  'map.home': { zh: '住户楼栋', en: 'Homes' },
  'map.resident': { zh: '告警居民', en: 'Resident with an alert' },
  'map.aed': { zh: '除颤器（AED）', en: 'AED cabinet' },
  'map.responder': { zh: '可出动的急救员', en: 'Available responder' },
  'map.station': { zh: '空气监测站', en: 'Air station' },
  'map.zoomIn': { zh: '放大', en: 'Zoom in' },
  'map.zoomOut': { zh: '缩小', en: 'Zoom out' },
  'map.reset': { zh: '全图', en: 'Whole area' },
  'map.pick': { zh: '点击地图上的标记查看详情。', en: 'Tap a marker to see what it is.' },
  'map.nothing': { zh: '还没有可绘制的数据。', en: 'Nothing to draw yet.' },
  'map.homes': { zh: '{n} 位佩戴手环的居民', en: '{n} residents with bracelets' },
  'map.homes.one': { zh: '{n} 位佩戴手环的居民', en: '1 resident with a bracelet' },
  'map.aria': { zh: '社区应急地图', en: 'Emergency map of the community' },
  'map.counts': {
    zh: '告警居民 {residents} · AED {aeds} · 急救员 {responders} · 监测站 {stations}',
    en: '{residents} residents with alerts · {aeds} AEDs · {responders} responders · {stations} stations',
  },
  'map.offline': { zh: '离线地图：由社区登记数据绘制，无需联网。', en: 'Offline map drawn from the community’s own records; no internet needed.' },
  'aedState.ready': { zh: '可用', en: 'Ready' },
  'aedState.in_use': { zh: '已取出使用', en: 'In use' },
  'aedState.fault': { zh: '故障', en: 'Fault' },
  'aedState.maintenance': { zh: '维护中', en: 'Maintenance' },
  'aedState.offline': { zh: '离线', en: 'Offline' },
  'aed.floor': { zh: '{floor} 层', en: 'floor {floor}' },

  'error.load': { zh: '数据加载失败：{message}', en: 'Could not load the data: {message}' },
  'error.unknown': { zh: '出了点问题，请稍后再试。', en: 'Something went wrong. Please try again in a moment.' },
  'error.forbidden': { zh: '您的账号无权查看此页面。', en: 'Your account may not open this page.' },
};

const STRINGS = { ...BASE_STRINGS, ...ACTION_STRINGS, ...RESCUE_STRINGS, ...FAMILY_STRINGS, ...DOCTOR_STRINGS };

/** @typedef {keyof typeof STRINGS} TextKey */

const LANGUAGE_KEY = 'gw.language';
/** @type {Set<() => void>} */
const listeners = new Set();

/** @returns {Language} */
function initialLanguage() {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  if (saved === 'zh' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** @type {Language} */
let current = initialLanguage();

/** @returns {Language} */
export function language() {
  return current;
}

/** @param {Language} next */
export function setLanguage(next) {
  current = next;
  localStorage.setItem(LANGUAGE_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  translatePage(document);
  for (const listener of listeners) listener();
}

/**
 * Runs when the language changes (pages re-render their dynamic parts).
 * @param {() => void} listener
 */
export function onLanguageChange(listener) {
  listeners.add(listener);
}

/**
 * The text for a key in the current language, with `{name}` placeholders filled.
 * @param {TextKey} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params = {}) {
  const text = STRINGS[key][current];
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/**
 * A count in words: the key's `.one` form for exactly one (English has it; Chinese needs none).
 * @param {TextKey} key
 * @param {number} n
 * @param {Record<string, string | number>} [params]
 */
export function plural(key, n, params = {}) {
  const one = `${key}.one`;
  return t(n === 1 && one in STRINGS ? /** @type {TextKey} */ (one) : key, { ...params, n });
}

/**
 * A key built at run time (an alert kind, a condition); falls back to the raw value.
 * @param {string} prefix
 * @param {string} value
 */
export function label(prefix, value) {
  const key = prefix === '' ? value : `${prefix}.${value}`;
  return key in STRINGS ? t(/** @type {TextKey} */ (key)) : value;
}

/**
 * Picks the current language's side of a text the API sends in both.
 * @param {{ zh: string, en: string }} text
 */
export function localized(text) {
  return text[current];
}

/**
 * Fills every `data-i18n` element's text, and `data-i18n-placeholder` / `data-i18n-label` attributes.
 * @param {ParentNode} root
 */
export function translatePage(root) {
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = label('', element.getAttribute('data-i18n') ?? '');
  for (const element of root.querySelectorAll('[data-i18n-placeholder]')) {
    element.setAttribute('placeholder', label('', element.getAttribute('data-i18n-placeholder') ?? ''));
  }
  for (const element of root.querySelectorAll('[data-i18n-label]')) {
    element.setAttribute('aria-label', label('', element.getAttribute('data-i18n-label') ?? ''));
  }
}

document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
