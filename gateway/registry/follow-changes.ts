/**
 * Looks for other gateways' writes to a shared registry store: when the store says something
 * changed (`watch`, within milliseconds) and every `everyMs` in any case (a notice lost with a
 * dropped connection). One look at a time; a look asked for meanwhile runs after it. `onError`
 * hears the first failed look of each outage only. Returns the function that stops it.
 */
export function followChanges(
  look: () => Promise<unknown>,
  options: { everyMs: number; watch?: (changed: () => void) => () => void; onError: (err: unknown) => void },
): () => void {
  let looking = false;
  let again = false;
  let failing = false;
  const lookNow = (): void => {
    if (looking) {
      again = true;
      return;
    }
    looking = true;
    look()
      .then(
        () => (failing = false),
        (err: unknown) => {
          if (!failing) options.onError(err);
          failing = true;
        },
      )
      .finally(() => {
        looking = false;
        if (again) {
          again = false;
          lookNow();
        }
      });
  };
  const timer = setInterval(lookNow, options.everyMs);
  timer.unref();
  const unwatch = options.watch?.(lookNow);
  return () => {
    clearInterval(timer);
    unwatch?.();
  };
}
