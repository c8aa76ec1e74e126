/**
 * What Node-RED must not be handed. Its process gets an environment built from nothing
 * (child-user.ts); the gateway also drops its own secrets from its environment once read, so
 * nothing later started from it inherits them. Core nodes that reach the host (run a command,
 * read or write files, watch the file system) are not loaded unless the configuration names them.
 */

/** Names the contract gives secrets, and any name that says it holds one. */
const SECRET_NAMES = new Set(['ADMIN_TOKEN', 'INFLUX_TOKEN', 'REDIS_URL', 'DATABASE_URL']);
const SECRET_PATTERN = /TOKEN|SECRET|PASSW|PASSPHRASE|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

/** Removes secrets from `env` (process.env by default); returns the names removed, never values. */
export function scrubSecretEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  const removed: string[] = [];
  for (const name of Object.keys(env)) {
    if (SECRET_NAMES.has(name) || SECRET_PATTERN.test(name)) {
      delete env[name];
      removed.push(name);
    }
  }
  return removed.sort();
}

/** Node-RED's core node files that reach the host, by the name an operator enables them with. */
export const HOST_ACCESS_NODES = {
  exec: '90-exec.js',
  file: '10-file.js',
  watch: '23-watch.js',
} as const;
export type HostAccessNode = keyof typeof HOST_ACCESS_NODES;

/** Node-RED's `nodesExcludes`: every host-reaching core node the configuration does not enable. */
export function excludedCoreNodes(enabled: readonly HostAccessNode[]): string[] {
  return (Object.keys(HOST_ACCESS_NODES) as HostAccessNode[]).filter((name) => !enabled.includes(name)).map((name) => HOST_ACCESS_NODES[name]);
}
