import path from 'node:path';

/**
 * rules/ is pure: plain data in, plain data out, time only as an argument. So a rule behaves the
 * same in a test, after a restart and on another gateway. Inside rules/ this forbids node: and
 * package imports, any import that leaves rules/ (type-only ones and `import()` types included:
 * rules/ declares the shapes it reads, rules/device-messages.ts), and reading the clock or the
 * process.
 */

const RULES_ROOT = path.join(import.meta.dirname, 'rules');

/**
 * Every module a file under rules/ names (imports, re-exports, `import()` and `import('…')` types):
 * no Node API, no package, and a relative path that resolves under rules/.
 */
const onlyRulesModules = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      nodeApi: '"{{specifier}}": rules/ uses no Node API; the gateway does the I/O and passes plain data in.',
      package: '"{{specifier}}": rules/ imports no package; it depends on nothing outside rules/.',
      leaves: '"{{specifier}}" leaves rules/: rules/ imports only from rules/, types included. Declare what it reads in rules/ and let the gateway hand it over.',
    },
  },
  create(context) {
    const dir = path.dirname(context.filename);
    const check = (source) => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
      const specifier = source.value;
      let messageId;
      if (specifier.startsWith('node:')) messageId = 'nodeApi';
      else if (!specifier.startsWith('.')) messageId = 'package';
      else {
        const target = path.resolve(dir, specifier);
        if (target !== RULES_ROOT && !target.startsWith(RULES_ROOT + path.sep)) messageId = 'leaves';
      }
      if (messageId !== undefined) context.report({ node: source, messageId, data: { specifier } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportType: (node) => check(node.source),
      TSExternalModuleReference: (node) => check(node.expression),
    };
  },
};

const CLOCK_AND_PROCESS_GLOBALS = ['process', 'performance', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask'].map((name) => ({
  name,
  message: 'rules/ takes time as an argument and touches no process state: pass the time in (nowMs, receivedAtMs).',
}));

const CLOCK_SYNTAX = [
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'rules/ reads no clock: take nowMs as an argument.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'rules/ reads no clock: new Date() needs an explicit time.' },
  { selector: "CallExpression[callee.name='Date']", message: 'rules/ reads no clock: Date() returns the current time.' },
  {
    selector: "MemberExpression[object.name=/^(globalThis|global)$/]",
    message: 'rules/ reaches nothing through the global object: take what it needs as an argument.',
  },
];

export const rulesBoundary = [
  {
    files: ['rules/**/*.ts'],
    plugins: { 'rules-boundary': { rules: { modules: onlyRulesModules } } },
    rules: {
      'rules-boundary/modules': 'error',
      'no-restricted-globals': ['error', ...CLOCK_AND_PROCESS_GLOBALS],
      'no-restricted-syntax': ['error', ...CLOCK_SYNTAX],
    },
  },
];
