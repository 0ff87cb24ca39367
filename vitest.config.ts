import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Handlers log as JSON; tests keep warnings and errors only. Unit tests sign page tokens
    // with a key of their own (a local system and a stack each make theirs).
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', PAGE_TOKEN_KEY: 'unit-test-page-token-key' },
  },
});
