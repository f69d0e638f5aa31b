// @ts-check
import eslint from '@eslint/js';
import nextPlugin from '@next/eslint-plugin-next';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Next.js' own rules from @next/eslint-plugin-next rather than eslint-config-next: that
// bundle also pulls eslint-plugin-react and eslint-plugin-import, which do not support
// ESLint 10 yet. The React rules that matter for hooks come from eslint-plugin-react-hooks.
export default defineConfig(
  { ignores: ['.next/', 'next-env.d.ts', 'eslint.config.mjs'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Template literals with numbers are clear enough (ports, delays, status codes).
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  nextPlugin.configs['core-web-vitals'],
  reactHooks.configs.flat['recommended-latest'],
);
