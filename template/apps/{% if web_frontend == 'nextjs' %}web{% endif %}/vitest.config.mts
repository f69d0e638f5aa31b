import { defineConfig } from 'vitest/config';

// Unit tests run in Node.js, as the server code they test does.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
