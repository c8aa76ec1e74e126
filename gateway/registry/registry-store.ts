import type { ProofRow } from './secret-proofs.js';
import type { CollectionName } from './schemas.js';

/** One write of the registry: entries upserted and deleted together, in one transaction. */
export interface RegistryChange {
  /** Entries as the registry gives them back (a device without its secret), each device with its secret's hash. */
  upserts: readonly { collection: CollectionName; entry: { id: string }; secretHash?: string }[];
  deletes: readonly { collection: CollectionName; id: string }[];
  /** A provision load's proofs of its secret groups (secret-proofs.ts), kept with its entries. */
  proofs?: readonly ProofRow[];
}

/** What the store holds, read once at start into the registry's memory. */
export interface RegistryContents {
  entries: { collection: CollectionName; entry: { id: string } }[];
  secretHashes: Map<string, string>;
}

/**
 * Where the registry is kept: the port a store adapter implements. Only the registry's writes
 * and its start go through it; the registry answers reads from its own full copy.
 */
export interface RegistryStore {
  /** Every entry and every device's secret hash. */
  loadAll(): Promise<RegistryContents>;
  /** The provision load's proofs of secret groups, by group. */
  loadProofs(): Promise<Map<number, ProofRow>>;
  /**
   * Writes the change in one transaction, `alongside` inside it (a record kept with the change,
   * written by the same store); all or nothing. Rejects, keeping nothing, when either fails.
   */
  write(change: RegistryChange, atMs: number, alongside?: () => void): Promise<void>;
}
