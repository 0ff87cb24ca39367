import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that take longest, started first within their group so the two workers finish together.
 * Vitest orders files by the durations it cached on an earlier run; a fresh clone has none and
 * starts the largest files first, which left the fuzz run alone at the end. The stack's checks go
 * first: they wait for the synthesized stack (about a minute in a fresh clone, then cached) while
 * the other worker runs long files that need no stack; the end-to-end files come next (a local
 * system starts on the cached synthesis), and the short unit files last fill the gaps.
 */
const LONGEST_FIRST = [
  'test/infra/stack.test.ts',
  'test/local/sweep-cost.test.ts',
  'test/local/dashboard-cost.test.ts',
  'test/local/dynamodb-start.test.ts',
  'test/e2e/fuzz.test.ts',
  'test/e2e/intake.test.ts',
  'test/e2e/access.test.ts',
  'test/e2e/system.test.ts',
  'test/e2e/import.test.ts',
  'test/e2e/crash.test.ts',
  'test/e2e/disposal.test.ts',
  'test/e2e/uploads-async.test.ts',
  'test/browser/borrower.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.indexOf(relative(process.cwd(), f.moduleId));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    const group = (f: TestSpecification) => f.project.config.sequence.groupOrder;
    // Stable: the groups keep their order, and the files not listed keep vitest's.
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => group(a.f) - group(b.f) || rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

/**
 * Two groups, one after the other, each on two workers. First the files that run in this process
 * (units, the synthesized stack, the local stand-ins) together with the end-to-end files, each of
 * which drives a local system of its own: one group, so neither waits for the other's last file
 * (a system's start and its tests' waits leave room that a unit file uses). Then the browser
 * files, each with a system and a Chromium of its own: a browser file waits on the console more
 * than it computes (one at a time used about one core of two), its polls allow for a loaded
 * machine, and it runs beside another browser file only.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    sequence: { sequencer: LongestFirst },
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // Handlers log as JSON; tests keep warnings and errors only. Unit tests sign page tokens
    // with a key of their own (a local system and a stack each make theirs).
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', PAGE_TOKEN_KEY: 'unit-test-page-token-key' },
    projects: [
      {
        extends: true,
        test: {
          name: 'in-process',
          include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts', 'test/local/**/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
