// The package ships no types. Its promise-based class is what aedes 1.x calls; the package's main
// export wraps it in the callback API of older aedes versions.
declare module 'aedes-persistence-redis/asyncPersistence.js' {
  import type { Redis } from 'ioredis';

  export default class AsyncRedisPersistence {
    constructor(options: { conn: Redis; maxSessionDelivery?: number });
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
    createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown>;
    createRetainedStream(pattern: string): AsyncIterable<unknown>;
  }
}
