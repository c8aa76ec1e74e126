/**
 * rules/ is pure: plain data in, plain data out, time only as an argument. So a rule behaves the
 * same in a test, after a restart and on another gateway. Inside rules/ this forbids node: and
 * package imports, imports that leave rules/, and reading the clock or the process. The one
 * exception is `import type` from sensors/, the device vocabulary: the message shapes the rules
 * read. Type imports are erased, so at run time rules/ loads nothing but rules/.
 */

const CLOCK_AND_PROCESS_GLOBALS = ['process', 'performance', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask'].map((name) => ({
  name,
  message: 'rules/ takes time as an argument and touches no process state: pass the time in (nowMs, receivedAtMs).',
}));

const CLOCK_SYNTAX = [
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'rules/ reads no clock: take nowMs as an argument.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'rules/ reads no clock: new Date() needs an explicit time.' },
  { selector: "CallExpression[callee.name='Date']", message: 'rules/ reads no clock: Date() returns the current time.' },
  {
    selector: "ImportDeclaration[importKind!='type'][source.value=/(^|\\/)sensors\\//]",
    message: 'rules/ takes only types from sensors/ (import type): it loads nothing outside rules/.',
  },
  {
    selector: "MemberExpression[object.name=/^(globalThis|global)$/]",
    message: 'rules/ reaches nothing through the global object: take what it needs as an argument.',
  },
];

/** Relative imports that climb `depth` folders from a file `depth` levels inside rules/ leave it. */
function importPatterns(depth) {
  return [
    { group: ['node:*'], message: 'rules/ uses no Node API: the gateway does the I/O and passes plain data in.' },
    { regex: '^(?!node:)[^.]', message: 'rules/ imports no package: it depends on nothing outside rules/.' },
    { regex: `^(\\.\\./){${depth}}(?!sensors/)`, message: 'rules/ imports only from rules/: declare what it reads in rules/ and let the gateway hand it over.' },
  ];
}

const MAX_DEPTH = 6;

export const rulesBoundary = Array.from({ length: MAX_DEPTH }, (_, i) => {
  const depth = i + 1;
  return {
    files: [`rules/${'*/'.repeat(depth - 1)}*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: importPatterns(depth) }],
      'no-restricted-globals': ['error', ...CLOCK_AND_PROCESS_GLOBALS],
      'no-restricted-syntax': ['error', ...CLOCK_SYNTAX],
    },
  };
});
