import { fileURLToPath } from 'node:url';
import { FLOW_FILE } from './flow-files.js';
import type { NodeApi, NodeRedLogEntry } from './node-red-types.js';
import { NODE_ROOT, PROOF_HEADER, RED_ROOT } from './red-access.js';
const GATEWAY_NODES_DIR = fileURLToPath(new URL('./nodes/', import.meta.url));

export interface NodeRedSettingsInput {
  userDir: string;
  /** Encrypts flows_cred.json; kept in the gateway's store. */
  credentialSecret: string;
  functionTimeoutS: number;
  /** Node-RED's adminAuth `tokens` check (the gate's proof). */
  adminAuthTokens: (token: string) => Promise<object | null>;
  logLevel: 'warn' | 'debug' | 'trace';
  onLog: (entry: NodeRedLogEntry) => void;
  gatewayNodeTypes: (RED: NodeApi) => void;
  /** Core node files not to load (the host-reaching ones the configuration did not enable). */
  nodesExcludes: string[];
}

/**
 * The settings passed to RED.init (Node-RED's settings.js is not used when embedded). Every
 * choice closes a way around the gateway: no open admin API, no installing modules from the
 * palette or from function nodes, no telemetry calls home, function nodes time-limited.
 */
export function buildNodeRedSettings(input: NodeRedSettingsInput): Record<string, unknown> {
  return {
    userDir: input.userDir,
    flowFile: FLOW_FILE,
    flowFilePretty: true,
    credentialSecret: input.credentialSecret,
    httpAdminRoot: RED_ROOT,
    httpNodeRoot: NODE_ROOT,
    // Set whatever the gate lets through; Node-RED refuses anything without it (comms included).
    adminAuth: { tokens: input.adminAuthTokens, tokenHeader: PROOF_HEADER },
    nodesDir: [GATEWAY_NODES_DIR],
    nodesExcludes: input.nodesExcludes,
    gatewayNodeTypes: input.gatewayNodeTypes,
    // The editor's default for new function nodes, and the limit for nodes that set none.
    functionTimeout: input.functionTimeoutS,
    globalFunctionTimeout: input.functionTimeoutS,
    functionExternalModules: false,
    functionGlobalContext: {},
    exportGlobalContextKeys: false,
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpload: false, allowUpdate: false },
      modules: { allowInstall: false },
    },
    logging: { gateway: { level: input.logLevel, metrics: false, audit: false, handler: () => input.onLog } },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    editorTheme: {
      page: { title: 'Community health gateway · flows' },
      header: { title: 'Community health gateway · flows' },
      projects: { enabled: false },
      tours: false,
      logout: { redirect: `${RED_ROOT}/logout` },
    },
  };
}
