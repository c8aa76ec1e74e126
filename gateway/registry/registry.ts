import { hashSecret, verifySecret } from '../auth/secret-hash.js';
import { checkProofs, settleStaleGroups, type ProofCheck, type ProvisionedSecret, type SecretHasher, type StaleGroupCheck } from './secret-proofs.js';
import { COLLECTION_NAMES, type CollectionName, type DeviceEntity, type EntityByCollection } from './schemas.js';
import { StaleRegistryCopy, type RegistryChange, type RegistryContents, type RegistrySideResults, type RegistrySideWrites, type RegistryStore } from './registry-store.js';
import { referencesOf } from './references.js';
import { RegistryError } from './registry-error.js';
import { parseEntry } from './parse-entry.js';
import { followChanges } from './follow-changes.js';

export { RegistryError } from './registry-error.js';

type Entity = EntityByCollection[CollectionName];
/** An entry as the registry gives it back: a device without its secret (only the hash is kept). */
export type Stored<C extends CollectionName> = C extends 'devices' ? Omit<DeviceEntity, 'secret'> : EntityByCollection[C];

export interface RegistryOptions {
  secretHashCost: number;
  now?: () => number;
  /** The slow hash of device secrets (counted in tests). */
  hasher?: SecretHasher;
}

/** A device secret just checked against (or hashed into) its stored hash, given in plain text. */
export type SecretConfirmed = (deviceId: string, secret: string, storedHash: string) => void;

/**
 * A load of many entries at once (the provision file), in two steps so that the broker can serve
 * the devices it already knows in between. Other registry writes are refused until it ends.
 */
export interface RegistryLoad {
  /** How many device secrets the load brings. */
  readonly secrets: number;
  /** One slow hash per group of devices: the secrets of unchanged groups are confirmed and announced; the rest starts. */
  confirmUnchanged(): Promise<void>;
  /** Every other secret checked or hashed, then every entry written in one transaction, `alongside` in it. */
  commit(alongside?: RegistrySideWrites): Promise<{ created: number; updated: number }>;
  /** Drops the load unwritten (the gateway is stopping); a commit under way then fails. */
  cancel(): void;
}

const SCRYPT: SecretHasher = { hash: hashSecret, verify: verifySecret };

/**
 * The registry: grids, workers, residents, devices, AEDs, stations and responders. Reads come
 * from memory (the hot path: authentication, enrichment); writes are validated, their references
 * checked, and kept before they are seen.
 */
export interface Registry {
  /** Rises with every write or delete: callers that derive indexes from the registry rebuild when it moves. */
  readonly version: number;
  list<C extends CollectionName>(collection: C): Stored<C>[];
  get<C extends CollectionName>(collection: C, id: string): Stored<C> | undefined;
  has(collection: CollectionName, id: string): boolean;
  secretHashOf(deviceId: string): string | undefined;
  /** Told, after each write commits, of every secret it confirmed (the authenticator's cache). */
  onSecretConfirmed(listener: SecretConfirmed): void;
  /** Applies schema defaults and validates one entry; throws a RegistryError naming the fields. */
  parse<C extends CollectionName>(collection: C, body: unknown): EntityByCollection[C];
  /** Upserts one entry (PUT semantics). Returns whether it was new. */
  put<C extends CollectionName>(collection: C, body: unknown): Promise<{ created: boolean; entry: Stored<C> }>;
  /** Replaces an existing entry (not a device); the store writes `alongside` in the same transaction. */
  replaceWith<C extends Exclude<CollectionName, 'devices'>>(collection: C, body: unknown, alongside: RegistrySideWrites): Promise<Stored<C>>;
  /** Upserts many entries of several collections at once (the provision file); see RegistryLoad. */
  beginLoad(entries: { [C in CollectionName]?: unknown[] }, secretProgress?: (settled: number, total: number) => void): RegistryLoad;
  /** Undefined when no load is checking this device with this secret. */
  secretCheckUnderWay(deviceId: string, secret: string): Promise<boolean> | undefined;
  /** Whether it was there; an entry still referenced is refused (`in_use`). */
  delete(collection: CollectionName, id: string): Promise<boolean>;
  /** Deletes several entries together; the store writes `alongside` in the same transaction. */
  deleteWith(items: readonly { collection: CollectionName; id: string }[], alongside: RegistrySideWrites): Promise<RegistrySideResults>;
}

/**
 * The registry: a full copy in memory, written through to its store. Reads stay in memory and
 * synchronous because every device message, login and page reads it (the broker's hot path, at
 * tens of thousands of messages a second); the registry is small (a community's people, devices
 * and places) and changes only by its own writes, so the copy is the store's, kept in step: a
 * write reaches memory once the store has kept it. Writes run one at a time, each checked
 * against the copy as the write before left it.
 */
export class CachedRegistry implements Registry {
  private readonly cache = new Map<CollectionName, Map<string, Entity>>();
  private readonly secrets = new Map<string, string>();
  private readonly now: () => number;
  private readonly hasher: SecretHasher;
  private readonly secretListeners: SecretConfirmed[] = [];
  private changes = 0;
  private loading = false;
  /** The slow part of a load under way: a device connecting meanwhile asks it rather than hashing alone. */
  private staleChecks: StaleGroupCheck | undefined;

  /** The write under way; the next one starts after it. */
  private writing: Promise<void> | undefined;
  /** Over a shared store: stops looking for other gateways' writes. */
  private stopFollowing: (() => void) | undefined;

  private constructor(
    private readonly store: RegistryStore,
    private readonly options: RegistryOptions,
    contents: RegistryContents,
  ) {
    this.now = options.now ?? Date.now;
    this.hasher = options.hasher ?? SCRYPT;
    for (const name of COLLECTION_NAMES) this.cache.set(name, new Map());
    for (const { collection, entry } of contents.entries) this.cache.get(collection)?.set(entry.id, entry as Entity);
    for (const [deviceId, hash] of contents.secretHashes) this.secrets.set(deviceId, hash);
  }

  /** The copy brought up to what other gateways wrote to the shared store; whether they had. */
  private async catchUp(): Promise<boolean> {
    const theirs = await this.store.changesSince?.();
    if (theirs !== undefined) this.applyToCopy(theirs);
    return theirs !== undefined;
  }

  /**
   * Over a store shared by several gateways: follows the others' writes (follow-changes.ts) and
   * brings the copy up to them (a write of this one's own meets such a change first: see
   * serially), until close().
   */
  follow(everyMs: number, onError: (err: unknown) => void): void {
    if (this.store.changesSince === undefined || this.stopFollowing !== undefined) return;
    const watch = this.store.watch?.bind(this.store);
    this.stopFollowing = followChanges(() => this.serially(() => this.catchUp()), { everyMs, onError, ...(watch === undefined ? {} : { watch }) });
  }

  close(): void {
    this.stopFollowing?.();
    this.stopFollowing = undefined;
  }

  /** The registry over its store, its copy filled from it. */
  static async open(store: RegistryStore, options: RegistryOptions): Promise<CachedRegistry> {
    return new CachedRegistry(store, options, await store.loadAll());
  }

  /**
   * Runs writes one at a time. When none is under way the write starts at once, inside this
   * call: with a store that writes synchronously (SQLite), nothing else runs between a caller's
   * last step and its write.
   */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const before = this.writing;
    // Refused because another gateway wrote first: read what it wrote, and check this write anew.
    const fresh = (attempt: number) => (err: unknown): Promise<T> =>
      err instanceof StaleRegistryCopy && attempt < 3 ? this.catchUp().then(() => work().catch(fresh(attempt + 1))) : Promise.reject(err);
    const checked = (): Promise<T> => work().catch(fresh(0));
    const run = before === undefined ? checked() : before.then(checked);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.writing = settled;
    void settled.then(() => {
      if (this.writing === settled) this.writing = undefined;
    });
    return run;
  }

  /** Writes the change through the store, then into the copy. */
  private async commitChange(change: RegistryChange, alongside?: RegistrySideWrites): Promise<RegistrySideResults> {
    const written = await this.store.write(change, this.now(), alongside);
    this.applyToCopy(change);
    return written;
  }

  private applyToCopy(change: RegistryChange): void {
    for (const { collection, id } of change.deletes) {
      this.cache.get(collection)!.delete(id);
      if (collection === 'devices') this.secrets.delete(id);
    }
    for (const { collection, entry, secretHash } of change.upserts) {
      this.cache.get(collection)!.set(entry.id, entry as Entity);
      if (secretHash !== undefined) this.secrets.set(entry.id, secretHash);
    }
    this.changes++;
  }

  /** Rises with every write or delete: callers that derive indexes from the registry rebuild when it moves. */
  get version(): number {
    return this.changes;
  }

  list<C extends CollectionName>(collection: C): Stored<C>[] {
    return [...this.cache.get(collection)!.values()] as Stored<C>[];
  }

  get<C extends CollectionName>(collection: C, id: string): Stored<C> | undefined {
    return this.cache.get(collection)!.get(id) as Stored<C> | undefined;
  }

  has(collection: CollectionName, id: string): boolean {
    return this.cache.get(collection)!.has(id);
  }

  secretHashOf(deviceId: string): string | undefined {
    return this.secrets.get(deviceId);
  }

  /** Told, after each write commits, of every secret it confirmed (the authenticator's cache). */
  onSecretConfirmed(listener: SecretConfirmed): void {
    this.secretListeners.push(listener);
  }

  private announceSecrets(entries: readonly Entity[]): void {
    for (const entry of entries) {
      const secret = (entry as DeviceEntity).secret;
      const hash = this.secrets.get(entry.id);
      if (secret !== undefined && hash !== undefined) this.tellSecretListeners(entry.id, secret, hash);
    }
  }

  private tellSecretListeners(deviceId: string, secret: string, storedHash: string): void {
    for (const listener of this.secretListeners) listener(deviceId, secret, storedHash);
  }

  /** Applies schema defaults and validates one entry; throws a RegistryError naming the fields. */
  parse<C extends CollectionName>(collection: C, body: unknown): EntityByCollection[C] {
    return parseEntry(collection, body);
  }

  /** Upserts one entry (PUT semantics). Returns whether it was new. */
  async put<C extends CollectionName>(collection: C, body: unknown): Promise<{ created: boolean; entry: Stored<C> }> {
    this.assertNotLoading();
    const entry = this.parse(collection, body);
    this.assertReferences(collection, entry, (c, id) => this.has(c, id));
    const secretHash = await this.prepareSecret(collection, entry);
    return this.serially(async () => {
      // Checked again: other writes may have landed while the secret was hashed.
      this.assertNotLoading();
      this.assertReferences(collection, entry, (c, id) => this.has(c, id));
      const created = !this.has(collection, entry.id);
      await this.commitChange({ upserts: [upsertOf(collection, entry, secretHash)], deletes: [] });
      if (collection === 'devices') this.announceSecrets([entry]);
      return { created, entry: this.get(collection, entry.id)! };
    });
  }

  /**
   * Replaces an existing entry (not a device: no secret to settle); the store writes `alongside`
   * in the same transaction, so a record kept with the change is written with it or not at all.
   */
  replaceWith<C extends Exclude<CollectionName, 'devices'>>(collection: C, body: unknown, alongside: RegistrySideWrites): Promise<Stored<C>> {
    return this.serially(async () => {
      this.assertNotLoading();
      const entry = this.parse(collection, body);
      if (!this.has(collection, entry.id)) throw new RegistryError('not_found', `no ${collection.replace(/s$/, '')} "${entry.id}"`);
      this.assertReferences(collection, entry, (c, id) => this.has(c, id));
      // A store that refuses leaves the copy as it was: it is written only after the store kept it.
      await this.commitChange({ upserts: [upsertOf(collection, entry, undefined)], deletes: [] }, alongside);
      return this.get(collection, entry.id)!;
    });
  }

  /**
   * Upserts many entries of several collections at once, checking references across them. Every
   * entry is validated now (a RegistryError names the wrong ones); nothing is written until commit.
   */
  beginLoad(entries: { [C in CollectionName]?: unknown[] }, secretProgress?: (settled: number, total: number) => void): RegistryLoad {
    this.assertNotLoading();
    const parsed: { collection: CollectionName; entry: Entity }[] = [];
    const errors: string[] = [];
    const incoming = new Map<CollectionName, Set<string>>(COLLECTION_NAMES.map((c) => [c, new Set()]));
    for (const collection of COLLECTION_NAMES) {
      (entries[collection] ?? []).forEach((body, index) => {
        try {
          const entry = this.parse(collection, body);
          if (incoming.get(collection)!.has(entry.id)) throw new RegistryError('invalid', `duplicate id "${entry.id}"`);
          if (collection === 'devices' && (entry as DeviceEntity).secret === undefined && !this.secrets.has(entry.id)) {
            throw new RegistryError('invalid', 'secret: a new device needs a secret');
          }
          incoming.get(collection)!.add(entry.id);
          parsed.push({ collection, entry });
        } catch (err) {
          errors.push(`${collection}/${index}: ${(err as Error).message}`);
        }
      });
    }
    const exists = (c: CollectionName, id: string): boolean => incoming.get(c)!.has(id) || this.has(c, id);
    for (const { collection, entry } of parsed) {
      try {
        this.assertReferences(collection, entry, exists);
      } catch (err) {
        errors.push(`${collection}/${entry.id}: ${(err as Error).message}`);
      }
    }
    if (errors.length > 0) throw new RegistryError('invalid', errors.slice(0, 10).join('; '));

    const devices = parsed.flatMap(({ collection, entry }) => (collection === 'devices' ? [entry as DeviceEntity] : []));
    const provisioned: ProvisionedSecret[] = devices.flatMap((d) => (d.secret === undefined ? [] : [{ deviceId: d.id, secret: d.secret, existing: this.secrets.get(d.id) }]));
    const secretOf = new Map(provisioned.map((p) => [p.deviceId, p.secret]));
    let check: ProofCheck | undefined;
    let cancelled = false;
    const proofCheck = async (): Promise<ProofCheck> => (check ??= await checkProofs(provisioned, await this.store.loadProofs(), this.hasher, secretProgress));
    const staleChecks = async (): Promise<StaleGroupCheck> => {
      if (this.staleChecks === undefined) {
        const started = settleStaleGroups(await proofCheck(), this.hasher, this.options.secretHashCost, secretProgress, (id, secret, hash) =>
          // Matches the hash stored now: the authenticator may trust it before the load commits.
          this.tellSecretListeners(id, secret, hash),
        );
        // Awaited by commit; a start that fails before then must not leave it unhandled.
        started.settled.catch(() => undefined);
        this.staleChecks = started;
      }
      return this.staleChecks;
    };
    const end = (): void => {
      this.loading = false;
      this.staleChecks = undefined;
    };
    this.loading = true;
    return {
      secrets: provisioned.length,
      confirmUnchanged: async () => {
        const { confirmed } = await proofCheck();
        if (cancelled) return;
        for (const [id, hash] of confirmed) this.tellSecretListeners(id, secretOf.get(id)!, hash);
        await staleChecks();
      },
      commit: async (alongside) => {
        const refuseIfCancelled = (): void => {
          if (cancelled) throw new RegistryError('loading', 'the load was cancelled before it was written');
        };
        try {
          refuseIfCancelled();
          const confirmed = await (await staleChecks()).settled;
          refuseIfCancelled();
          return await this.serially(async () => {
            let created = 0;
            const upserts = parsed.map(({ collection, entry }) => {
              if (!this.has(collection, entry.id)) created++;
              // A device without a secret in the file keeps the one it has (checked above).
              const hash = collection === 'devices' ? (confirmed.hashes.get(entry.id) ?? this.secrets.get(entry.id)) : undefined;
              return upsertOf(collection, entry, hash);
            });
            await this.commitChange({ upserts, deletes: [], proofs: confirmed.proofs }, alongside);
            this.announceSecrets(devices);
            return { created, updated: parsed.length - created };
          });
        } finally {
          end();
        }
      },
      cancel: () => {
        cancelled = true;
        this.staleChecks?.cancel();
        end();
      },
    };
  }

  /** See StaleGroupCheck.checkFirst: undefined when no load is checking this device with this secret. */
  secretCheckUnderWay(deviceId: string, secret: string): Promise<boolean> | undefined {
    return this.staleChecks?.checkFirst(deviceId, secret);
  }

  /** Writes wait for a load to end: it would overwrite them, and its checks assume nothing moved. */
  private assertNotLoading(): void {
    if (this.loading) throw new RegistryError('loading', 'the provision file is still loading; retry once /readyz says ready');
  }

  async delete(collection: CollectionName, id: string): Promise<boolean> {
    this.assertNotLoading();
    if (!this.has(collection, id)) return false;
    await this.deleteWith([{ collection, id }], {});
    return true;
  }

  /**
   * Deletes several entries together (a resident with the bracelets bound to them); the store
   * writes `alongside` in the same transaction. An entry still referenced from outside the set is refused.
   */
  deleteWith(items: readonly { collection: CollectionName; id: string }[], alongside: RegistrySideWrites): Promise<RegistrySideResults> {
    return this.serially(async () => {
      this.assertNotLoading();
      const together = new Set(items.map((i) => `${i.collection}/${i.id}`));
      for (const { collection, id } of items) {
        if (!this.has(collection, id)) throw new RegistryError('not_found', `no ${collection.replace(/s$/, '')} "${id}"`);
        const users = this.referrersOf(collection, id).filter((u) => !together.has(u));
        if (users.length > 0) throw new RegistryError('in_use', `${collection}/${id} is still referenced by ${users.slice(0, 5).join(', ')}`);
      }
      return this.commitChange({ upserts: [], deletes: items }, alongside);
    });
  }

  private referrersOf(collection: CollectionName, id: string): string[] {
    const users: string[] = [];
    for (const other of COLLECTION_NAMES) {
      for (const entry of this.cache.get(other)!.values()) {
        const full = other === 'devices' ? ({ ...entry } as Entity) : entry;
        if (referencesOf(other, full as never).some((r) => r.collection === collection && r.id === id)) users.push(`${other}/${entry.id}`);
        if (other === 'grids' && (entry as EntityByCollection['grids']).emergencyGroup.includes(id) && (collection === 'workers' || collection === 'responders')) {
          users.push(`grids/${entry.id}`);
        }
      }
    }
    return users;
  }

  private assertReferences(collection: CollectionName, entry: Entity, exists: (c: CollectionName, id: string) => boolean): void {
    const missing = referencesOf(collection, entry as never)
      .filter((ref) => !exists(ref.collection, ref.id))
      .map((ref) => `${ref.field}: no ${ref.collection.replace(/s$/, '')} "${ref.id}"`);
    if (collection === 'grids') {
      (entry as EntityByCollection['grids']).emergencyGroup.forEach((id, i) => {
        if (!exists('workers', id) && !exists('responders', id)) missing.push(`emergencyGroup/${i}: no worker or responder "${id}"`);
      });
    }
    if (missing.length > 0) throw new RegistryError('missing_reference', missing.join('; '));
  }

  /** A new device needs a secret; an unchanged secret is not re-hashed (loading stays cheap and idempotent). */
  private async prepareSecret(collection: CollectionName, entry: Entity): Promise<string | undefined> {
    if (collection !== 'devices') return undefined;
    const device = entry as DeviceEntity;
    const existing = this.secrets.get(device.id);
    if (device.secret === undefined) {
      if (existing === undefined) throw new RegistryError('invalid', `secret: a new device needs a secret`);
      return existing;
    }
    if (existing !== undefined && (await this.hasher.verify(device.secret, existing))) return existing;
    return this.hasher.hash(device.secret, this.options.secretHashCost);
  }
}

/** An entry as the store keeps it: a device without its plain secret (only the hash is kept). */
function upsertOf(collection: CollectionName, entry: Entity, secretHash: string | undefined): RegistryChange['upserts'][number] {
  let stored: Entity = entry;
  if (collection === 'devices') {
    const { secret: _secret, ...rest } = entry as DeviceEntity;
    stored = rest as Entity;
  }
  return secretHash === undefined ? { collection, entry: stored } : { collection, entry: stored, secretHash };
}
