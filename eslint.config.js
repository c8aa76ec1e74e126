import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { rulesBoundary } from './rules-boundary.eslint.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'data-node-red/', 'coverage/', 'gateway/web/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // aedes and mqtt hand us callbacks and events: a lost promise there is a lost alert.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The web UI's browser modules: tsc checks their names against the DOM's types (gateway/web/tsconfig.json).
    files: ['gateway/web/**/*.js'],
    rules: { 'no-undef': 'off' },
  },
  {
    // Dependencies point inward: sensors/ never reaches into the adapters.
    files: ['sensors/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/gateway/**', '**/broker/**', '**/firmware-sim/**'] }],
    },
  },
  ...rulesBoundary,
);
