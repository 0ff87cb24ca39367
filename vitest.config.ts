import { defineConfig } from 'vitest/config';

/**
 * Three groups, one after the other. Files that run in this process (units, the synthesized
 * stack, the local stand-ins) and the end-to-end files, each of which drives a local system of
 * its own, use both cores; the browser files run one at a time, since a browser beside another
 * system's JVM leaves too little of a 2-core machine for the console's timing.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Handlers log as JSON; tests keep warnings and errors only. Unit tests sign page tokens
    // with a key of their own (a local system and a stack each make theirs).
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', PAGE_TOKEN_KEY: 'unit-test-page-token-key' },
    projects: [
      {
        extends: true,
        test: {
          name: 'in-process',
          include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts', 'test/local/**/*.test.ts'],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
