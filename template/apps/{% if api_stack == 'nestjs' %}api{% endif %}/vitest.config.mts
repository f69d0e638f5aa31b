import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the tests: Nest's dependency injection needs decorator metadata, which
// vite's default transform (esbuild) does not emit.
export default defineConfig({
  plugins: [swc.vite()],
  test: {
    globals: true,
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.spec.ts'] } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          // One fresh, migrated database for the whole run (see test/global-setup.ts).
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
