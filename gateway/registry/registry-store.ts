import type { DeploymentSettings } from './provision.js';
import type { ProofRow } from './secret-proofs.js';
import type { CollectionName, Sharing } from './schemas.js';

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

/** How a choice reached us (PIPL art. 29: separate consent, which we must be able to show). */
export const SHARING_BASES = ['in_person', 'paper_form', 'app'] as const;
export type SharingBasis = (typeof SHARING_BASES)[number];

/** A resident's sharing choices as recorded: kept (append-only) with the entry that puts them in force. */
export interface SharingRecord {
  resident: string;
  sharing: Sharing;
  recordedBy: string;
  recordedAtMs: number;
  basis: SharingBasis;
  /** The paper form's reference, for `paper_form`. */
  formRef: string | null;
}

/**
 * A resident leaving the programme, erased with their entries: their alerts become anonymous
 * counts per month (UTC), grid, kind and severity (drills are not counted) and go, with their
 * pages and 120 handoffs; their bracelets' readings, events, status and refusals go; their rule
 * state and sharing records go; drills that named them keep the drill, not the name; their
 * family's live tokens are revoked; the departure is counted per month and grid, and the access
 * log gains one row saying who ended it.
 */
export interface ResidentDeparture {
  residentId: string;
  grid: string;
  devices: readonly string[];
  /** The ids of their family contacts, whose `family` tokens are revoked. */
  familyContacts: readonly string[];
  /** Who ended it, for the access log. */
  by: { actor: string; role: string };
  /** An alert whose dedup key starts with this is a drill's: erased, never counted. */
  drillDedupPrefix: string;
}

/** What a departure erased, counted. */
export interface DepartureErased {
  alertsCounted: number;
  readingsRemoved: number;
  familyTokensRevoked: number;
}

/** Records written by the store in the same transaction as a registry change: all or nothing. */
export interface RegistrySideWrites {
  sharingRecord?: SharingRecord;
  departure?: ResidentDeparture;
  /** What a provision file sets for the whole deployment, kept with its entries. */
  deploymentSettings?: DeploymentSettings;
}

export interface RegistrySideResults {
  departure?: DepartureErased;
}

/**
 * A write refused by a store shared with other gateways: one of them wrote since this copy was
 * read, so the checks made against the copy may no longer hold. The registry reads the store
 * again and checks the write anew.
 */
export class StaleRegistryCopy extends Error {
  override name = 'StaleRegistryCopy';
}

/**
 * Where the registry is kept: the port a store adapter implements. Only the registry's writes
 * and its start go through it; the registry answers reads from its own full copy.
 */
export interface RegistryStore {
  /** Every entry (in the order first written) and every device's secret hash. */
  loadAll(): Promise<RegistryContents>;
  /** The provision load's proofs of secret groups, by group. */
  loadProofs(): Promise<Map<number, ProofRow>>;
  /**
   * Writes the change and the side records in one transaction, all or nothing: rejects, keeping
   * nothing, when any part fails. `atMs` is the change's time, and the departure's.
   */
  write(change: RegistryChange, atMs: number, alongside?: RegistrySideWrites): Promise<RegistrySideResults>;
  /**
   * A store shared by several gateways only: what others wrote since this store's last read or
   * write (entries upserted in the order first written, deletions, each device with its secret's
   * hash), undefined when nothing. Until it is read, `write` rejects with StaleRegistryCopy.
   */
  changesSince?(): Promise<RegistryChange | undefined>;
  /** A shared store may also call `changed` soon after another's write; the returned function stops it. */
  watch?(changed: () => void): () => void;
}
