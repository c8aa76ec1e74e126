import type { Alert, AlertKind } from '../../rules/safety/index.js';
import type { AlertContext } from './alert-context.js';
import { presentAlert, type AlertView } from './alert-view.js';
import { DRILL_MARK, isDrill } from './drill-marker.js';
import type { PageReason } from '../pager/page-jobs.js';
import type { Person } from '../pager/recipients.js';

/** What a webhook receives (the alert JSON, with what the worker needs to act); SMS gets `text`. */
export interface PageMessage {
  type: 'page';
  reason: PageReason;
  step: number | null;
  recipient: { id: string; name: string; kind: Person['kind'] };
  alert: AlertView;
  context: AlertContext;
  ackUrl: string | null;
  /** A responder dispatch: links to accept or decline. */
  dispatch?: { acceptUrl: string; declineUrl: string };
  /** A drill's page: practice, not an emergency (CONTRACT.md §6 "Drills"). */
  drill: boolean;
  text: string;
}

/** Low-severity alerts raised at night, sent together in the morning. */
export interface DigestMessage {
  type: 'digest';
  recipient: { id: string; name: string; kind: Person['kind'] };
  alerts: { alert: AlertView; context: AlertContext; ackUrl: string | null }[];
  text: string;
}

export const KIND_LABELS: Record<AlertKind, { en: string; zh: string }> = {
  fall: { en: 'Fall', zh: '跌倒' },
  sos: { en: 'SOS call', zh: '一键呼救' },
  vitals: { en: 'Vital signs out of range', zh: '生命体征异常' },
  no_motion: { en: 'No movement', zh: '长时间未活动' },
  stayed_in: { en: 'Has not left home', zh: '长时间未出门' },
  wandering: { en: 'Left the safe zone', zh: '走失风险' },
  device_offline: { en: 'Bracelet offline', zh: '手环离线' },
  battery_low: { en: 'Bracelet battery low', zh: '手环电量低' },
  not_worn: { en: 'Bracelet not worn', zh: '手环未佩戴' },
  aed_opened: { en: 'AED cabinet opened', zh: 'AED柜门打开' },
  aed_fault: { en: 'AED fault', zh: 'AED故障' },
  aqhi_high: { en: 'Air quality health risk high', zh: '空气质量健康风险高' },
  bin_full: { en: 'Bin full', zh: '垃圾桶已满' },
};

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than formatting with it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function localTime(ms: number, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', day: '2-digit', month: 'short' });
    formatters.set(timeZone, format);
  }
  return format.format(ms);
}

/** Whom or what an alert is about, by name or place: the resident, the cabinet, the station, the bin. */
function subjectWords(alert: Alert, context: AlertContext): string {
  if (context.resident !== null) return context.resident.name;
  if (context.cabinet !== undefined && context.cabinet !== null) return `AED柜 cabinet: ${context.cabinet.description ?? 'no description'}${context.cabinet.floor === null ? '' : `, floor ${context.cabinet.floor}`}`;
  if (context.station !== undefined && context.station !== null) return `${context.station.name} station`;
  if (context.bin !== undefined && context.bin !== null) return `垃圾桶 bin: ${context.bin.name}${context.bin.gridName === null ? '' : `, ${context.bin.gridName}`}`;
  return isDrill(alert) ? '演练假想伤员 a drill casualty' : alert.subject;
}

/** One short paragraph: fits two SMS segments for a typical page. */
export function pageText(alert: Alert, context: AlertContext, ackUrl: string | null, timeZone: string): string {
  const label = KIND_LABELS[alert.kind];
  const status = alert.state === 'resolved' ? 'OVER' : alert.severity.toUpperCase();
  const drill = isDrill(alert);
  const parts = [`${drill ? `${DRILL_MARK} ` : ''}[${status}] ${label.zh} ${label.en}`];
  if (typeof alert.details.summary === 'string') parts.push(alert.details.summary);
  const who = context.resident;
  parts.push(who === null ? subjectWords(alert, context) : `${who.name}${who.address === null ? '' : `, ${who.address}`}${who.conditions.length > 0 ? ` (${who.conditions.join(', ')})` : ''}`);
  parts.push(`since ${localTime(alert.createdAt, timeZone)}`);
  if (context.location !== null) parts.push(`at ${context.location.lat.toFixed(5)},${context.location.lon.toFixed(5)}`);
  const aed = context.nearestAeds[0];
  // A person reads the cabinet's place, not its id.
  if (aed !== undefined) parts.push(`AED ${Math.round(aed.distanceM)} m${aed.description === null ? '' : `: ${aed.description}`}`);
  for (const c of context.contacts.slice(0, 2)) parts.push(`${c.relation ?? 'contact'} ${c.name}${c.phones[0] === undefined ? '' : ` ${c.phones[0]}`}`);
  if (ackUrl !== null && alert.state === 'open') parts.push(`Ack: ${ackUrl}`);
  return parts.join('. ');
}

export function buildPageMessage(input: {
  alert: Alert;
  context: AlertContext;
  person: Person;
  reason: PageReason;
  step: number | null;
  ackUrl: string | null;
  dispatch?: { acceptUrl: string; declineUrl: string };
  timeZone: string;
}): PageMessage {
  const { alert, context, person, ackUrl, dispatch } = input;
  // A re-page says so first: the phone already showed this alert once and nobody took it.
  const again = input.reason === 'repage' && alert.state === 'open' ? '[再次 AGAIN · 仍无人接手 nobody has taken it yet] ' : '';
  const drill = isDrill(alert);
  const plain = pageText(alert, context, dispatch === undefined ? ackUrl : null, input.timeZone);
  // The drill mark stays first, so no one takes a drill's re-page for an emergency.
  const text = again === '' ? plain : drill ? plain.replace(`${DRILL_MARK} `, `${DRILL_MARK} ${again}`) : again + plain;
  return {
    type: 'page',
    reason: input.reason,
    step: input.step,
    recipient: { id: person.id, name: person.name, kind: person.kind },
    alert: presentAlert(alert),
    context,
    ackUrl: dispatch === undefined ? ackUrl : null,
    ...(dispatch === undefined ? {} : { dispatch }),
    drill,
    text: dispatch === undefined ? text : `${text}. Accept: ${dispatch.acceptUrl} Decline: ${dispatch.declineUrl}`,
  };
}

export function buildDigestMessage(person: Person, items: { alert: Alert; context: AlertContext; ackUrl: string | null }[], timeZone: string): DigestMessage {
  const lines = items.map(({ alert, context }) => {
    const label = KIND_LABELS[alert.kind];
    return `${label.zh} ${label.en}: ${subjectWords(alert, context)} (${localTime(alert.createdAt, timeZone)})`;
  });
  return {
    type: 'digest',
    recipient: { id: person.id, name: person.name, kind: person.kind },
    alerts: items.map((i) => ({ alert: presentAlert(i.alert), context: i.context, ackUrl: i.ackUrl })),
    text: `[晨间汇总 Morning digest] 夜间低优先级告警 ${items.length} 条, ${items.length} low-priority alert${items.length === 1 ? '' : 's'} overnight: ${lines.join('; ')}`,
  };
}
