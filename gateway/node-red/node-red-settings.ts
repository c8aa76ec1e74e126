import { fileURLToPath } from 'node:url';
import { FLOW_FILE } from './flow-files.js';
import { NODE_ROOT, RED_ROOT } from './red-access.js';
const GATEWAY_NODES_DIR = fileURLToPath(new URL('./nodes/', import.meta.url));

export interface NodeRedSettingsInput {
  userDir: string;
  /** Encrypts flows_cred.json; kept in the gateway's store. */
  credentialSecret: string;
  functionTimeoutS: number;
  /** Core node files not to load (the host-reaching ones the configuration did not enable). */
  nodesExcludes: string[];
}

/**
 * The settings Node-RED's process passes to RED.init (its settings.js is not used), as data: the
 * child adds the functions (the adminAuth check of the gate's proof, the log handler, the gateway's
 * node types). Every choice closes a way around the gateway: no open admin API, no installing
 * modules from the palette or from function nodes, no telemetry calls home, function nodes
 * time-limited.
 */
export function buildNodeRedSettings(input: NodeRedSettingsInput): Record<string, unknown> {
  return {
    userDir: input.userDir,
    flowFile: FLOW_FILE,
    flowFilePretty: true,
    credentialSecret: input.credentialSecret,
    httpAdminRoot: RED_ROOT,
    httpNodeRoot: NODE_ROOT,
    nodesDir: [GATEWAY_NODES_DIR],
    nodesExcludes: input.nodesExcludes,
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
