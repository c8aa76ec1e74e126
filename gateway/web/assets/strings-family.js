// @ts-check
/*
 * The family page's words, in Chinese and English (i18n.js merges them with the rest). Written
 * for a son or daughter on a phone: plain, short, in large type.
 */

export const FAMILY_STRINGS = {
  'nav.family': { zh: '家人', en: 'My relative' },
  'role.family': { zh: '家属', en: 'family' },
  'login.noWebPage': {
    zh: '此登录（{role}）没有可用的网页：告警会通过呼叫送达您。如需网页账号，请联系管理员。',
    en: 'This sign-in ({role}) has no web page: alerts reach you by page. Ask your administrator if you need a web account.',
  },
  'role.doctor': { zh: '家庭医生', en: 'family doctor' },
  'role.dispatcher': { zh: '120 调度', en: '120 dispatch' },
  'family.title': { zh: '{name} 的情况', en: 'How {name} is' },
  'family.address': { zh: '住址：{address}', en: 'Home: {address}' },
  'family.grid': { zh: '所在网格：{grid}', en: 'Neighbourhood: {grid}' },
  'family.allWell': { zh: '目前没有告警。', en: 'No alerts right now.' },
  'family.alerts': { zh: '正在处理的告警', en: 'Alerts now' },
  'family.since': { zh: '{time} 开始（{age}前）', en: 'Since {time} ({age} ago)' },
  'family.onTheWay': { zh: '正在赶去：{names}', en: 'On the way: {names}' },
  'family.nobodyYet': { zh: '还没有人确认前往。', en: 'Nobody has said they are going yet.' },
  'family.imGoing': { zh: '我去看看', en: 'I’m going' },
  'family.youreGoing': { zh: '您已确认前往', en: 'You said you are going' },
  'family.goingFailed': { zh: '未能发送：{message}', en: 'That did not go through: {message}' },
  'family.placeHome': { zh: '在家', en: 'At home' },
  'family.placeAway': { zh: '距家约 {distance}', en: 'About {distance} from home' },
  'family.placeKnown': { zh: '位置已知', en: 'Position known' },
  'family.openMap': { zh: '在地图中打开', en: 'Open in maps' },
  'family.placeHidden': { zh: '老人未同意向家属分享位置。', en: 'Your relative has not chosen to share their location with family.' },
  'family.emergency': { zh: '紧急情况下依法共享', en: 'Shared under the emergency rule' },
  'family.lastSeen': { zh: '手环最后联系', en: 'Bracelet last heard from' },
  'family.lastSeenAt': { zh: '{time}（{age}前）', en: '{time} ({age} ago)' },
  'family.neverSeen': { zh: '手环尚未联系过。', en: 'The bracelet has not been heard from yet.' },
  'family.callWorker': { zh: '呼叫网格员 {name}', en: 'Call {name}, grid worker' },
  'family.noWorkerPhone': { zh: '网格员 {name} 未登记电话', en: '{name}, grid worker: no phone registered' },
  'family.whoLooked': { zh: '谁查看过 {name} 的信息', en: 'Who looked at {name}’s information' },
  'family.loadFailed': { zh: '暂时无法读取，请稍后再试。', en: 'Cannot load this now. Try again in a moment.' },
};
