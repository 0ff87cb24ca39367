import { describe, expect, it } from 'vitest';
import { measureSweeps } from '../../bench/sweep-cost.ts';

/**
 * The retention sweep's reads follow the number of due documents, not the size of the archive:
 * against DynamoDB Local, with the same 100 documents due, a sweep of an archive of 4,000
 * documents reads what a sweep of 2,000 reads, within 10% (a sweep that read the archive would
 * read twice as much; bench/sweep-cost.ts measures 10,000 and 100,000 the same way).
 */
describe('retention sweep cost', () => {
  it('reads the same for 2,000 and for 4,000 archived documents with 100 due', async () => {
    const [small, large] = await measureSweeps([2_000, 4_000], 100);
    console.table([small, large]);
    for (const r of [small, large]) {
      expect(r?.proposed).toBe(100);
      expect(r?.scans).toBe(0);
    }
    expect(large?.readRequests).toBe(small?.readRequests);
    const ratio = (large?.readUnits ?? 0) / (small?.readUnits ?? 1);
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  }, 180_000);
});
