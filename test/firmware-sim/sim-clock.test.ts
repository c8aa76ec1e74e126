import { describe, expect, it } from 'vitest';
import { createManualClock, createRealtimeClock } from '../../firmware-sim/sim-clock.js';

describe('the manual simulation clock', () => {
  it('runs due tasks in time order (ties in scheduling order) and waits for each', async () => {
    const clock = createManualClock(1000);
    const ran: string[] = [];
    clock.at(3000, () => void ran.push('c'));
    clock.at(2000, async () => {
      await Promise.resolve();
      ran.push(`a@${clock.now()}`);
    });
    clock.at(2000, () => void ran.push('b'));
    clock.at(9000, () => void ran.push('late'));
    await clock.advance(1500);
    expect(ran).toEqual(['a@2000', 'b']);
    expect(clock.now()).toBe(2500);
    await clock.advanceTo(3000);
    expect(ran).toEqual(['a@2000', 'b', 'c']);
  });

  it('repeats without drift and cancels', async () => {
    const clock = createManualClock(0);
    const at: number[] = [];
    const timer = clock.every(60_000, () => void at.push(clock.now()), 10_000);
    await clock.advance(200_000);
    expect(at).toEqual([10_000, 70_000, 130_000, 190_000]);
    timer.cancel();
    await clock.advance(200_000);
    expect(at).toHaveLength(4);
  });

  it('resolves sleeps at simulated time, and stop() drops everything pending', async () => {
    const clock = createManualClock(0);
    let woke = 0;
    void clock.sleep(5000).then(() => {
      woke = clock.now();
    });
    await clock.advance(4999);
    expect(woke).toBe(0);
    await clock.advance(1);
    expect(woke).toBe(5000);
    clock.at(6000, () => {
      throw new Error('must not run');
    });
    clock.stop();
    await clock.advance(10_000);
    expect(clock.pending).toBe(0);
  });
});

describe('the accelerated clock', () => {
  it('maps real time to simulated time at its speed and fires timers at the scaled delay', () => {
    let real = 0;
    const scheduled: { fn: () => void; ms: number }[] = [];
    const clock = createRealtimeClock({
      startMs: 1_000_000,
      speed: 60,
      realNow: () => real,
      timers: { setTimeout: (fn, ms) => scheduled.push({ fn, ms }), clearTimeout: () => undefined },
    });
    real = 1000;
    expect(clock.now()).toBe(1_000_000 + 60_000);
    const ran: number[] = [];
    // One simulated minute from now is one real second away at 60×.
    clock.at(clock.now() + 60_000, () => void ran.push(clock.now()));
    expect(scheduled.at(-1)!.ms).toBe(1000);
    real = 2000;
    scheduled.at(-1)!.fn();
    expect(ran).toEqual([1_000_000 + 120_000]);
    clock.stop();
  });
});
