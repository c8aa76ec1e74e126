import { chownSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostAccessNode } from './host-guards.js';

/** Who Node-RED's process runs as: the unprivileged user when the gateway is root, else the gateway's own user. */
export interface ChildUser {
  uid: number;
  gid: number;
  name: string;
  /** False when the gateway is not root and the child runs as the gateway's user. */
  dropped: boolean;
}

/** `name` or `uid:gid` from the configuration, looked up in /etc/passwd when a name. */
export function resolveChildUser(configured: string): ChildUser {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0) return { uid, gid, name: 'the gateway’s own user', dropped: false };
  const numeric = /^(\d+):(\d+)$/.exec(configured);
  if (numeric !== null) return { uid: Number(numeric[1]), gid: Number(numeric[2]), name: configured, dropped: true };
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , u, g] = line.split(':');
    if (name === configured && u !== undefined && g !== undefined) {
      if (Number(u) === 0) throw new Error(`nodeRed.user ${configured} is root; Node-RED must run unprivileged`);
      return { uid: Number(u), gid: Number(g), name, dropped: true };
    }
  }
  throw new Error(`nodeRed.user ${configured} is not in /etc/passwd; name an unprivileged user or give uid:gid`);
}

/** Gives the child's directory, and everything in it, to the child's user. */
export function chownTree(dir: string, user: ChildUser): void {
  if (!user.dropped) return;
  const visit = (p: string): void => {
    const stat = lstatSync(p);
    if (stat.uid !== user.uid || stat.gid !== user.gid) chownSync(p, user.uid, user.gid);
    if (stat.isDirectory()) for (const entry of readdirSync(p)) visit(path.join(p, entry));
  };
  visit(dir);
}

/**
 * The environment Node-RED's process gets: built from nothing, so no secret of the gateway's
 * (ADMIN_TOKEN, INFLUX_TOKEN, REDIS_URL, DATABASE_URL, anything else it was started with) is in
 * it. A flow that needs a value of its own takes it from its node's settings or credentials.
 */
export function childEnvironment(userDir: string, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = { HOME: userDir, NODE_ENV: 'production', PATH: '/usr/local/bin:/usr/bin:/bin' };
  for (const name of ['TZ', 'LANG', 'LC_ALL']) {
    const value = from[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return env;
}

const NODE_RED_DIR = fileURLToPath(new URL('./', import.meta.url));

/** Where node-red and its dependencies are, through the links npm and the install use. */
function moduleDirs(): string[] {
  const dirs = new Set<string>();
  let dir = NODE_RED_DIR;
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    try {
      dirs.add(candidate);
      dirs.add(realpathSync(candidate));
    } catch {
      dirs.delete(candidate);
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return [...dirs];
}

/**
 * Node's permission model for the child: reading only Node-RED's code, the gateway's node files
 * and its own directory (so never DATA_DIR, even when it runs as the gateway's user), writing only
 * its own directory, and no child processes unless the exec node was enabled.
 */
export function permissionFlags(userDir: string, hostAccess: readonly HostAccessNode[]): string[] {
  const flags = ['--experimental-permission', '--disable-warning=ExperimentalWarning'];
  if (hostAccess.includes('file') || hostAccess.includes('watch')) flags.push('--allow-fs-read=*', '--allow-fs-write=*');
  else {
    for (const dir of [...moduleDirs(), NODE_RED_DIR, userDir]) flags.push(`--allow-fs-read=${dir}`);
    flags.push(`--allow-fs-write=${userDir}`);
  }
  if (hostAccess.includes('exec')) flags.push('--allow-child-process');
  return flags;
}

export const CHILD_SCRIPT = fileURLToPath(new URL('./child/node-red-child.mjs', import.meta.url));
