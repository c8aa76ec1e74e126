/**
 * Runs a synchronous store call now and gives its value, or its error, as a settled promise: how
 * the SQLite adapters answer an asynchronous port without deferring the work itself.
 */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
