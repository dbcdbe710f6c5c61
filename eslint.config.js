import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.daas/**', 'hack/.cache/**', 'dist/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // One logging style (src/log): rooms log through the Logger they are handed, never to the console, and
  // only src/log knows winston. The CLI prints user-facing output; sui-sim is a development tool.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/sim/**'],
    rules: { 'no-console': 'error' },
  },
  // One metrics style (src/metrics/define.ts): rooms declare metrics with counter()/gauge()/histogram(), never
  // with prom-client's constructors.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/metrics/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name=/^(Counter|Gauge|Histogram|Summary)$/], NewExpression[callee.property.name=/^(Counter|Gauge|Histogram|Summary)$/]",
          message: 'declare metrics with counter()/gauge()/histogram() from src/metrics in src/<room>/metrics.ts',
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/log/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'winston', message: 'log through the Logger from src/log' }] }] },
  },
);
