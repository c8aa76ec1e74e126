import { runWhenAsked } from '../store/one-at-a-time.js';

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
  let failing = false;
  const looks = runWhenAsked(() =>
    look().then(
      () => void (failing = false),
      (err: unknown) => {
        if (!failing) options.onError(err);
        failing = true;
      },
    ),
  );
  const lookNow = (): void => looks.ask();
  const timer = setInterval(lookNow, options.everyMs);
  timer.unref();
  const unwatch = options.watch?.(lookNow);
  return () => {
    clearInterval(timer);
    unwatch?.();
  };
}
