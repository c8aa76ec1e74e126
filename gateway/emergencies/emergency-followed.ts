import type { Emergency } from './emergency-store.js';

/** Timeline lines by the name of the change that wrote them, where the two differ. */
const CHANGE_OF_LINE: Record<string, string> = {
  asked: 'responder_asked',
  unlock: 'cabinet_unlocked',
  timed_out: 'responder_timed_out',
  released: 'responder_released',
  widened: 'radius_widened',
  filled: 'enough_accepted',
};

/**
 * What another gateway changed (several gateways on one store), named as the stream names
 * changes: from the lines its changes added to the timeline (`created` first for one not seen).
 */
export function changesMadeElsewhere(before: Emergency | undefined, after: Emergency): string[] {
  return after.timeline
    .slice(before?.timeline.length ?? 0)
    .filter((line) => line.type !== 'note')
    .map((line) => CHANGE_OF_LINE[line.type] ?? line.type);
}
