import { availableParallelism } from 'node:os';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The provision file holds every device secret in plain text and is loaded on every start.
 * Checking each secret against its slow hash costs about 50 ms a device at the default cost:
 * 10,000 devices would keep the broker shut for minutes after every restart. So devices are
 * split into PROOF_BUCKETS groups by id, and for each group one slow hash (its proof) is kept
 * over all the group's id and secret pairs, beside a digest of the group's stored per-device
 * hashes and the list of devices it covers. A load that brings the same pairs while the stored
 * hashes are unchanged is confirmed with one slow hash per group; a device that joined a group
 * since is hashed on its own; a group whose covered pairs changed is checked device by device.
 * Every group that changed gets a new proof. A proof is no easier to guess than the per-device
 * hashes stored beside it.
 */
export const PROOF_BUCKETS = 64;

export interface SecretHasher {
  hash(secret: string, cost: number): Promise<string>;
  verify(secret: string, stored: string): Promise<boolean>;
}

export interface ProvisionedSecret {
  deviceId: string;
  secret: string;
  /** The hash stored for this device before the load, if any. */
  existing: string | undefined;
}

export interface ProofRow {
  bucket: number;
  proof: string;
  hashesDigest: string;
  /** The devices the proof covers; undefined for a proof saved before this was kept (the whole group). */
  members: ReadonlySet<string> | undefined;
}

export function bucketOf(deviceId: string): number {
  return createHash('sha256').update(deviceId).digest()[0]! % PROOF_BUCKETS;
}

/** What a group's proof is a slow hash of: one digest of its pairs in id order. */
function pairsDigest(members: readonly ProvisionedSecret[]): string {
  return createHash('sha256')
    .update(JSON.stringify(members.map((m) => [m.deviceId, m.secret])))
    .digest('hex');
}

/** Ties a proof to the stored hashes it vouches for: a hash changed since (by the API) voids it. */
export function hashesDigest(hashes: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(hashes)).digest('hex');
}

/** Slow hashes run on libuv's pool: as many at once as there are cores, and at least two. */
const parallelHashes = (): number => Math.max(2, availableParallelism());

/** Runs `fn` over items with at most `limit` at a time (slow hashes run on libuv's pool). */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export interface StaleGroup {
  bucket: number;
  /** Every provisioned device of the group, in id order: its new proof covers them all. */
  group: ProvisionedSecret[];
  /** Those its saved proof did not confirm: checked, or hashed, one by one. */
  unconfirmed: ProvisionedSecret[];
}

export interface ProofCheck {
  /** Device id → its stored hash, for every device a group's proof confirmed. */
  confirmed: Map<string, string>;
  /** Groups with a device the proof did not confirm (new, changed, or a proof that no longer holds). */
  stale: StaleGroup[];
  /** Proofs saved before they listed their devices that held: saved again with the list. */
  listed: ProofRow[];
}

export interface ConfirmedSecrets {
  /** Device id → the hash to store (the existing one when the secret is unchanged). */
  hashes: Map<string, string>;
  /** Groups whose proof is new or renewed. */
  proofs: ProofRow[];
}

/**
 * The quick part of a load: one slow hash per group, run before the broker listens. A proof still
 * holds for the devices it covers when others joined the group since: only those are unconfirmed.
 */
export async function checkProofs(
  secrets: readonly ProvisionedSecret[],
  savedProofs: ReadonlyMap<number, ProofRow>,
  hasher: SecretHasher,
  progress: (settled: number, total: number) => void = () => undefined,
): Promise<ProofCheck> {
  const groups = new Map<number, ProvisionedSecret[]>();
  for (const s of secrets) {
    const bucket = bucketOf(s.deviceId);
    const group = groups.get(bucket);
    if (group === undefined) groups.set(bucket, [s]);
    else group.push(s);
  }
  for (const group of groups.values()) group.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));

  const confirmed = new Map<string, string>();
  const stale: StaleGroup[] = [];
  const listed: ProofRow[] = [];
  await eachLimited([...groups], parallelHashes(), async ([bucket, group]) => {
    const saved = savedProofs.get(bucket);
    const covered = saved?.members === undefined ? group : group.filter((m) => saved.members!.has(m.deviceId));
    const existing = covered.map((m) => m.existing);
    const holds =
      saved !== undefined &&
      covered.length > 0 &&
      // Every device it covers is in the file (a secret left out cannot be checked).
      (saved.members === undefined || covered.length === saved.members.size) &&
      existing.every((h) => h !== undefined) &&
      saved.hashesDigest === hashesDigest(existing as string[]) &&
      (await hasher.verify(pairsDigest(covered), saved.proof));
    if (holds) {
      for (const m of covered) confirmed.set(m.deviceId, m.existing!);
      progress(confirmed.size, secrets.length);
      if (saved.members === undefined) listed.push({ ...saved, members: new Set(covered.map((m) => m.deviceId)) });
    }
    const unconfirmed = holds ? group.filter((m) => !confirmed.has(m.deviceId)) : group;
    if (unconfirmed.length > 0) stale.push({ bucket, group, unconfirmed });
  });
  return { confirmed, stale, listed };
}

/** The slow part of a load, under way while the broker serves. */
export interface StaleGroupCheck {
  /** Every member of a stale group settled and each stale group's proof renewed; nothing is written here. */
  readonly settled: Promise<ConfirmedSecrets>;
  /**
   * A device connects with the secret the file gives it while its group is being checked: its
   * check goes next, and this resolves to whether that secret matches the hash stored now. Undefined
   * when the load does not check this pair (the caller checks it itself).
   */
  checkFirst(deviceId: string, secret: string): Promise<boolean> | undefined;
  /** No more checks start; connections still waiting are answered no. */
  cancel(): void;
}

const sameSecret = (a: string, b: string): boolean => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * Checks every device of a stale group (hashing it if new or changed) and renews the group's
 * proof. Devices are taken in file order, except that one asking to connect is taken next: a
 * fleet reconnecting during the load costs one slow hash per device, not two, and the devices
 * that ask first are answered first. `verified` hears each secret found unchanged at once.
 */
export function settleStaleGroups(
  check: ProofCheck,
  hasher: SecretHasher,
  cost: number,
  /** How many of the secrets are settled so far (a first load of a large fleet takes minutes). */
  progress: (settled: number, total: number) => void = () => undefined,
  verified: (deviceId: string, secret: string, storedHash: string) => void = () => undefined,
): StaleGroupCheck {
  const hashes = new Map(check.confirmed);
  const members = check.stale.flatMap((g) => g.unconfirmed);
  const total = hashes.size + members.length;
  // A device with a stored hash, whose CONNECT may wait for its check: the answer, once known.
  const outcomes = new Map<string, { member: ProvisionedSecret; promise: Promise<boolean>; resolve: (unchanged: boolean) => void }>();
  for (const member of members) {
    if (member.existing === undefined) continue;
    let resolve!: (unchanged: boolean) => void;
    const promise = new Promise<boolean>((r) => (resolve = r));
    outcomes.set(member.deviceId, { member, promise, resolve });
  }
  const asked: ProvisionedSecret[] = [];
  const started = new Set<string>();
  let next = 0;
  let cancelled = false;
  const take = (): ProvisionedSecret | undefined => {
    for (;;) {
      const m = asked.pop() ?? members[next++];
      if (m === undefined || cancelled) return undefined;
      if (started.has(m.deviceId)) continue;
      started.add(m.deviceId);
      return m;
    }
  };
  const worker = async (): Promise<void> => {
    for (let m = take(); m !== undefined; m = take()) {
      const unchanged = m.existing !== undefined && (await hasher.verify(m.secret, m.existing));
      if (unchanged) verified(m.deviceId, m.secret, m.existing!);
      outcomes.get(m.deviceId)?.resolve(unchanged);
      hashes.set(m.deviceId, unchanged ? m.existing! : await hasher.hash(m.secret, cost));
      progress(hashes.size, total);
    }
  };
  const settled = (async (): Promise<ConfirmedSecrets> => {
    await Promise.all(Array.from({ length: parallelHashes() }, worker));
    const proofs: ProofRow[] = [...check.listed];
    if (cancelled) return { hashes, proofs };
    await eachLimited(check.stale, parallelHashes(), async ({ bucket, group }) => {
      const proof = await hasher.hash(pairsDigest(group), cost);
      const covers = new Set(group.map((m) => m.deviceId));
      proofs.push({ bucket, proof, hashesDigest: hashesDigest(group.map((m) => hashes.get(m.deviceId)!)), members: covers });
    });
    return { hashes, proofs };
  })();
  return {
    settled,
    checkFirst(deviceId, secret) {
      const outcome = outcomes.get(deviceId);
      if (outcome === undefined || cancelled || !sameSecret(outcome.member.secret, secret)) return undefined;
      if (!started.has(deviceId)) asked.push(outcome.member);
      return outcome.promise;
    },
    cancel() {
      cancelled = true;
      for (const outcome of outcomes.values()) outcome.resolve(false);
    },
  };
}

/** A stored proof; `members` NULL (kept by version 5 of the store) covers the group as the file gives it. */
export function proofOf(row: { bucket: number; proof: string; hashes_digest: string; members: string | null }): ProofRow {
  return { bucket: row.bucket, proof: row.proof, hashesDigest: row.hashes_digest, members: row.members === null ? undefined : new Set(JSON.parse(row.members) as string[]) };
}
