import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { FLOW_FILE } from './flow-files.js';

/** Node-RED keeps a flow file's credentials beside it, encrypted with the credential key (the same on every gateway). */
export const CREDENTIALS_FILE = FLOW_FILE.replace(/\.json$/, '_cred.json');

/** The flows as last deployed on any gateway of the community. */
export interface StoredFlows {
  flows: string;
  credentials: string | null;
  revision: number;
  by: string;
}

/** Where the community's flows are kept (PostgreSQL when several gateways share one state). */
export interface SharedFlowStore {
  load(): Promise<StoredFlows | undefined>;
  /** Keeps the flows and tells the other gateways; the new revision. */
  save(flows: string, credentials: string | null, by: string): Promise<number>;
  /** Hears another gateway's save. */
  follow(heard: (revision: number, by: string) => void, log: Logger): { close(): Promise<void> };
}

interface FlowFiles {
  flows: string;
  credentials: string | null;
}

const sameFiles = (a: FlowFiles | undefined, b: FlowFiles | undefined): boolean => a !== undefined && b !== undefined && a.flows === b.flows && a.credentials === b.credentials;

/**
 * Node-RED's flow files in its directory kept the same as the community's: before Node-RED starts
 * the stored flows are written there (or, when none are stored yet, these are stored as the
 * first); a deploy here is stored for the others; another gateway's deploy is written here for
 * Node-RED to reload. Node-RED's own process never sees the database.
 */
export class SharedFlows {
  /** The files as last written here or stored from here: what is already in step. */
  private synced: FlowFiles | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: SharedFlowStore,
    private readonly userDir: string,
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  /** Before Node-RED starts. */
  restore(): Promise<'restored' | 'stored' | 'none'> {
    return this.serially(async () => {
      const stored = await this.store.load();
      const local = this.readFiles();
      if (stored !== undefined) {
        if (!sameFiles(stored, local)) this.writeFiles(stored);
        this.synced = { flows: stored.flows, credentials: stored.credentials };
        this.log.info({ revision: stored.revision, by: stored.by }, 'Node-RED flows taken from the shared store');
        return 'restored';
      }
      if (local === undefined) return 'none';
      await this.store.save(local.flows, local.credentials, this.instance);
      this.synced = local;
      this.log.info('Node-RED flows of this gateway stored as the community’s first');
      return 'stored';
    });
  }

  /** After a change through this gateway's editor or admin API: stored for every gateway, when the files changed. */
  deployed(): Promise<boolean> {
    return this.serially(async () => {
      const local = this.readFiles();
      if (local === undefined || sameFiles(local, this.synced)) return false;
      const revision = await this.store.save(local.flows, local.credentials, this.instance);
      this.synced = local;
      this.log.info({ revision }, 'Node-RED flows deployed here stored for every gateway');
      return true;
    });
  }

  /** Another gateway stored flows: written here; true when they differ from what Node-RED runs (it must reload). */
  pull(): Promise<boolean> {
    return this.serially(async () => {
      const stored = await this.store.load();
      if (stored === undefined || sameFiles(stored, this.readFiles())) return false;
      this.writeFiles(stored);
      this.synced = { flows: stored.flows, credentials: stored.credentials };
      this.log.info({ revision: stored.revision, by: stored.by }, 'Node-RED flows deployed on another gateway taken');
      return true;
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private readFiles(): FlowFiles | undefined {
    const flowsPath = path.join(this.userDir, FLOW_FILE);
    if (!existsSync(flowsPath)) return undefined;
    const credentialsPath = path.join(this.userDir, CREDENTIALS_FILE);
    return { flows: readFileSync(flowsPath, 'utf8'), credentials: existsSync(credentialsPath) ? readFileSync(credentialsPath, 'utf8') : null };
  }

  private writeFiles(files: FlowFiles): void {
    writeFileSync(path.join(this.userDir, FLOW_FILE), files.flows, { mode: 0o600 });
    const credentialsPath = path.join(this.userDir, CREDENTIALS_FILE);
    if (files.credentials === null) rmSync(credentialsPath, { force: true });
    else writeFileSync(credentialsPath, files.credentials, { mode: 0o600 });
  }
}
