// @ts-check
/*
 * The words of the map's rescue layer (an emergency, the responders running to it and the AEDs
 * they fetch), in Chinese and English. i18n.js merges them with the rest.
 */

export const RESCUE_STRINGS = {
  'rescue.patient': { zh: '急救现场', en: 'Emergency' },
  'rescue.runner': { zh: '赶来的急救员', en: 'Responder on the way' },
  'rescue.runnerLabel': { zh: '{name}：{state}', en: '{name}: {state}' },
  'rescue.aedFor': { zh: '{name}去取的AED', en: 'AED for {name}' },
  'rescue.aedTarget': { zh: '急救员要取的AED', en: 'AED a responder is fetching' },
  'rescue.viaAed': { zh: '先取AED：{aed}（{state}）', en: 'Fetching the AED: {aed} ({state})' },
  'rescue.straight': { zh: '直接去现场', en: 'Going straight to the patient' },
  'rescue.reported': { zh: '{time} 报告', en: 'Reported at {time}' },
  'rescue.nobodyYet': { zh: '还没有急救员接受', en: 'No responder has accepted yet' },
  'rescue.route': { zh: '急救员的路线（直线）', en: 'Responder’s way (straight lines)' },
  'rescue.count': { zh: '急救 {n}', en: '{n} emergencies' },
  'rescue.count.one': { zh: '急救 {n}', en: '1 emergency' },
  'aedState.unknown': { zh: '状态未上报', en: 'state not reported' },
  'rescueState.asked': { zh: '已呼叫', en: 'asked' },
  'rescueState.accepted': { zh: '正在赶来', en: 'on the way' },
  'rescueState.aed_collected': { zh: '已取到AED', en: 'has the AED' },
  'rescueState.on_scene': { zh: '已到现场', en: 'on scene' },
};
