import type { Alert } from '../../rules/safety/index.js';
import { dedupKeyOf } from './alert-store.js';
import { isDrill } from './drill-marker.js';

/**
 * The open and acked alerts the alert service keeps in memory, by dedup key and by id (the pager
 * and the API look alerts up by id on every step). `counted` hears the number of real ones.
 */
export class AlertWorkingSet {
  private readonly byKey = new Map<string, Alert>();
  private readonly byId = new Map<string, Alert>();

  constructor(private readonly counted: (realActive: number) => void) {}

  byDedupKey(key: string): Alert | undefined {
    return this.byKey.get(key);
  }

  get(id: string): Alert | undefined {
    return this.byId.get(id);
  }

  all(): Alert[] {
    return [...this.byKey.values()];
  }

  /** After a change: a resolved alert leaves, any other is kept as it now is. */
  keep(alert: Alert): void {
    const key = dedupKeyOf(alert);
    if (alert.state === 'resolved') {
      if (this.byKey.get(key)?.id === alert.id) this.byKey.delete(key);
      this.byId.delete(alert.id);
    } else {
      this.byKey.set(key, alert);
      this.byId.set(alert.id, alert);
    }
    this.count();
  }

  /** The whole set as the store has it now. */
  replace(alerts: readonly Alert[]): void {
    this.byKey.clear();
    this.byId.clear();
    for (const alert of alerts) {
      this.byKey.set(dedupKeyOf(alert), alert);
      this.byId.set(alert.id, alert);
    }
    this.count();
  }

  private count(): void {
    let n = 0;
    for (const alert of this.byKey.values()) if (!isDrill(alert)) n += 1;
    this.counted(n);
  }
}
