import type { CabinetChange } from '../aed/aed-service.js';
import type { Registry } from '../registry/registry.js';
import type { DeviceEntity } from '../registry/schemas.js';
import type { Fence } from '../store/fence.js';
import { partitionOf, type PartitionLeases } from './partition-leases.js';

/**
 * The partition of the cabinets and the air stations: a few thousand devices whose rules (a
 * dispatch spans responders of the whole community, an index spans stations) run on one gateway.
 */
export const COMMUNITY_PARTITION = 0;

/**
 * Which gateway evaluates what, when several share one PostgreSQL: a resident's rules, alerts and
 * escalation steps run on the holder of the resident's partition; the cabinets, the air index and
 * alerts about anything but a resident on the holder of the community's partition. A partition is
 * this gateway's once its lease is held and its state taken over (`taken`).
 */
export class PartitionOwnership {
  private leases: PartitionLeases | undefined;
  private readonly taken = new Set<number>();
  private changes: ((change: CabinetChange) => Promise<void>) | undefined;

  constructor(private readonly registry: Pick<Registry, 'get'>) {}

  /** The leases this gateway holds (set once it joined the cluster). */
  holdWith(leases: PartitionLeases): void {
    this.leases = leases;
  }

  /** The partition whose holder evaluates what this device sends. */
  partitionOfDevice(device: DeviceEntity): number {
    return device.kind === 'bracelet' && device.resident !== undefined ? partitionOf(device.resident) : COMMUNITY_PARTITION;
  }

  /** The partition of an alert's subject: a resident's own, anything else the community's. */
  partitionOfSubject(subject: string): number {
    return this.registry.get('residents', subject) === undefined ? COMMUNITY_PARTITION : partitionOf(subject);
  }

  owns(partition: number): boolean {
    return this.taken.has(partition) && this.leases !== undefined && this.leases.owns(partition);
  }

  ownsResident(residentId: string): boolean {
    return this.owns(partitionOf(residentId));
  }

  runsCommunity(): boolean {
    return this.owns(COMMUNITY_PARTITION);
  }

  /** The lease a change of the subject's alerts is made under, or 'elsewhere'. */
  fenceFor(subject: string): Fence | 'elsewhere' {
    const partition = this.partitionOfSubject(subject);
    if (!this.owns(partition)) return 'elsewhere';
    return this.leases!.fenceOf(partition) ?? 'elsewhere';
  }

  /** The partitions owned now. */
  owned(): number[] {
    return [...this.taken].filter((p) => this.owns(p)).sort((a, b) => a - b);
  }

  /** Where cabinet changes asked on a gateway that does not run the cabinets go (set with the inbox). */
  passChangesVia(pass: (change: CabinetChange) => Promise<void>): void {
    this.changes = pass;
  }

  /** Keeps a cabinet change (a responder's answer, a restock) for the gateway that runs the cabinets; it applies it. */
  passOn(change: CabinetChange): Promise<void> {
    if (this.changes === undefined) return Promise.reject(new Error('the cabinets are not reachable from this gateway yet'));
    return this.changes(change);
  }

  markTaken(partitions: readonly number[]): void {
    for (const p of partitions) this.taken.add(p);
  }

  markLost(partitions: readonly number[]): void {
    for (const p of partitions) this.taken.delete(p);
  }
}
