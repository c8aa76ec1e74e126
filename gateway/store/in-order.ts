/**
 * Runs asynchronous calls one after another in the order they were made, whatever each one's
 * outcome: a store whose port promises that writes keep their order keeps it over a network too.
 */
export class InOrder {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
