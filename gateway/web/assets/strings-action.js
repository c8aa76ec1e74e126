// @ts-check
/*
 * The words of acting on an alert (the action bar, pages sent, filters, sound, the resident's
 * last day) and of the live map, in Chinese and English. i18n.js merges them with the rest.
 */

export const ACTION_STRINGS = {
  'act.bar': { zh: '快捷操作', en: 'Quick actions' },
  'act.callFamily': { zh: '呼叫家属', en: 'Call family' },
  'act.callDoctor': { zh: '呼叫医生', en: 'Call doctor' },
  'act.toAed': { zh: '去除颤器', en: 'To the AED' },
  'act.noPhone': { zh: '未登记电话', en: 'No phone registered' },
  'act.straightNote': { zh: '距离为直线距离，不是步行路线。', en: 'Distances are in a straight line, not walking routes.' },
  'act.noAed': { zh: '附近无可用除颤器', en: 'No usable AED nearby' },

  'subject.resident': { zh: '居民', en: 'Resident' },
  'subject.aed': { zh: '除颤器柜', en: 'AED cabinet' },
  'subject.station': { zh: '空气监测站', en: 'Air station' },
  'subject.device': { zh: '设备', en: 'Device' },
  'subject.unknown': { zh: '未登记的设备', en: 'An unregistered device' },
  'place.aedInGrid': { zh: '{grid}的除颤器柜', en: 'The AED cabinet in {grid}' },
  'place.aed': { zh: '除颤器柜：{place}', en: 'The cabinet at {place}' },
  'place.station': { zh: '{name}监测站', en: '{name} air station' },
  'place.cabinetWhere': { zh: '柜子所在位置', en: 'Where the cabinet is' },
  'place.stationWhere': { zh: '监测站所在位置', en: 'Where the station is' },

  'page.sending': { zh: '正在通知 {to}（{channel}）', en: 'Paging {to} by {channel}' },
  'page.delivered': { zh: '已送达 {to}（{channel}）', en: 'Paged {to} by {channel}: delivered' },
  'page.deliveredAfter': { zh: '已送达 {to}（{channel}），尝试 {n} 次', en: 'Paged {to} by {channel}: delivered at attempt {n}' },
  'page.failed': { zh: '未能送达 {to}（{channel}），已尝试 {n} 次', en: 'Paged {to} by {channel}: not reached after {n} attempts' },
  'page.failed.one': { zh: '未能送达 {to}（{channel}），已尝试 {n} 次', en: 'Paged {to} by {channel}: not reached after 1 attempt' },
  'page.technical': { zh: '技术细节', en: 'Technical detail' },
  'timeline.repaged': { zh: '无人接手，再次通知：{who}', en: 'Nobody acknowledged; paged again: {who}' },
  'timeline.repagedAgain': { zh: '无人接手时再次发生，再次通知：{who}', en: 'Happened again with nobody on it; paged again: {who}' },
  'timeline.severityRose': { zh: '级别升至{severity}', en: 'Severity rose to {severity}' },

  'filter.title': { zh: '筛选', en: 'Filter' },
  'filter.search': { zh: '搜索姓名或地址', en: 'Search name or address' },
  'filter.state': { zh: '状态', en: 'State' },
  'filter.kind': { zh: '类型', en: 'Kind' },
  'filter.severity': { zh: '级别', en: 'Severity' },
  'filter.grid': { zh: '网格', en: 'Grid' },
  'filter.any': { zh: '全部', en: 'All' },
  'filter.active': { zh: '未结束', en: 'Open and in hand' },
  'filter.noMatch': { zh: '没有符合条件的告警。', en: 'No alert matches the filter.' },
  'filter.shown': { zh: '显示 {shown} / {total}', en: 'Showing {shown} of {total}' },

  'sound.on': { zh: '声音提醒', en: 'Sound on' },
  'sound.label': { zh: '危急告警时响铃、振动并通知', en: 'Ring, vibrate and notify on a critical alert' },
  'notice.new': { zh: '危急告警：{kind}', en: 'Critical alert: {kind}' },
  'notice.repaged': { zh: '再次通知：{kind}', en: 'Paged again: {kind}' },
  'notice.repeated': { zh: '再次发生：{kind}', en: 'Happened again: {kind}' },

  'vitals.title': { zh: '过去 24 小时', en: 'The last 24 hours' },
  'vitals.hr': { zh: '心率（次/分）', en: 'Heart rate (bpm)' },
  'vitals.spo2': { zh: '血氧（%）', en: 'SpO₂ (%)' },
  'vitals.bp': { zh: '血压（mmHg）', en: 'Blood pressure (mmHg)' },
  'vitals.steps': { zh: '步数（每小时）', en: 'Steps (per hour)' },
  'vitals.none': { zh: '过去 24 小时没有数据', en: 'No readings in the last 24 hours' },
  'vitals.summary': { zh: '{name}：{n} 个小时有数据，最低 {min}，最高 {max}', en: '{name}: {n} hours with readings, lowest {min}, highest {max}' },
  'vitals.latest': { zh: '最近：{value}', en: 'Latest: {value}' },
  'vitals.unavailable': { zh: '无法读取手环数据', en: 'The bracelet’s readings could not be read' },

  'map.straightLine': { zh: '直线距离 {distance}（非步行路线）', en: '{distance} in a straight line (not a walking route)' },
  'map.straightShort': { zh: '直线距离 {distance}', en: '{distance}, straight line' },
  'map.countResidents': { zh: '告警居民 {n}', en: '{n} residents with alerts' },
  'map.countResidents.one': { zh: '告警居民 {n}', en: '1 resident with an alert' },
  'map.countAeds': { zh: 'AED {n}', en: '{n} AEDs' },
  'map.countAeds.one': { zh: 'AED {n}', en: '1 AED' },
  'map.countResponders': { zh: '急救员 {n}', en: '{n} responders' },
  'map.countResponders.one': { zh: '急救员 {n}', en: '1 responder' },
  'map.countStations': { zh: '监测站 {n}', en: '{n} stations' },
  'map.countStations.one': { zh: '监测站 {n}', en: '1 station' },
  'map.tiled': { zh: '底图：{attribution}', en: 'Base map: {attribution}' },
  'map.nearestAed': { zh: '最近的可用除颤器', en: 'Nearest usable AED' },

  'nav.signOutEverywhere': { zh: '所有设备退出', en: 'Sign out everywhere' },
  'login.stays': {
    zh: '本手机会保持登录，直到您退出或连续 {days} 天未使用。',
    en: 'This phone stays signed in until you sign out, or after {days} days unused.',
  },
};
