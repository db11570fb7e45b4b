// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'execa', message: 'Run processes through the Runner (bootstrap/tools/runner.ts).' },
            { name: 'child_process', message: 'Run processes through the Runner (bootstrap/tools/runner.ts).' },
            { name: 'node:child_process', message: 'Run processes through the Runner (bootstrap/tools/runner.ts).' },
            { name: '@inquirer/prompts', message: 'Prompts live in bootstrap/ui/prompts.ts only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['bootstrap/tools/exec-runner.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['bootstrap/ui/prompts.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
)
