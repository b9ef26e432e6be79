// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const ACROSS_LIBRARIES = {
  group: ['../../*'],
  message: 'Import across libraries through @risk/* aliases.',
};
/** Code that only builds artifacts or measures: run-time code must not depend on it. */
const TOOLS = {
  group: [
    '**/tools/**',
    '**/models/scripts/**',
    '**/scripts/simulator/**',
    '**/bench/**',
    '@risk/reasoning-tools',
    '@risk/reasoning-tools/*',
  ],
  message:
    'Run-time code (apps/, libs/) must not import tools (tools/, models/scripts/, the simulator, bench/).',
};
/** Packages used only to train models or write files at build time (devDependencies). */
const TRAINING_ONLY = (...packages) => ({
  group: packages,
  message: 'A training-only package (a devDependency): keep it in tools/, not in run-time code.',
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.cache/**',
      '.infra/**',
      'eslint.config.mjs',
      'jest.config.js',
      // The dashboard's browser script (no Node, no type information); Chromium tests it.
      'apps/api/public/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      'no-restricted-imports': ['error', { patterns: [ACROSS_LIBRARIES] }],
    },
  },
  {
    // Run time apart from build time (docs/architecture.md): specs are test code, not run time.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ACROSS_LIBRARIES,
            TOOLS,
            TRAINING_ONLY('@tensorflow/*', 'ml-random-forest', 'prettier'),
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
