import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'workflows/**', 'charts/**', 'test/go/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
        structuredClone: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Layers: a folder imports only from the folders below it (common < generators, steps, estimate, lint < executor
  // < demo < cli). Errors and other shared types live at the bottom (common/), never in a higher layer.
  layer(['common/**'], ['../**'], 'common/ is the bottom layer: it imports nothing of the project'),
  layer(
    ['generators/**', 'steps/**', 'estimate/**', 'lint/**'],
    ['**/cli/**', '**/demo/**', '**/executor/**'],
    'generators/, steps/, estimate/ and lint/',
  ),
  layer(['executor/**'], ['**/cli/**', '**/demo/**'], 'executor/'),
  layer(['demo/**'], ['**/cli/**'], 'demo/'),
);

function layer(files, group, rule) {
  const message = rule.includes(':') ? rule : `${rule} must not import from a higher layer: move what both need down (common/)`;
  return { files, rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group, message }] }] } };
}
