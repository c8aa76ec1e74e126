import { describe, expect, it } from 'vitest';
import { SlowCheckQueue } from '../../gateway/auth/slow-check-queue.js';

describe('the slow check queue', () => {
  it('runs a few at a time, queues a short line, and refuses at once beyond it', async () => {
    const queue = new SlowCheckQueue(2, 3);
    const releases: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const check = () =>
      new Promise<string>((resolve) => {
        running++;
        most = Math.max(most, running);
        releases.push(() => {
          running--;
          resolve('done');
        });
      });
    const accepted = Array.from({ length: 5 }, () => queue.run(check));
    expect(await queue.run(check)).toBeUndefined();
    expect(queue.queued).toBe(3);
    while (releases.length > 0 || running > 0) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(accepted)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(most).toBe(2);
  });
});
