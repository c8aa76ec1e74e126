/** Publishes through the running broker (alert topics, retained feeds); rejects when it is not running. */
export type Publish = (topic: string, payload: string, options: { qos: 0 | 1; retain?: boolean }) => Promise<void>;
