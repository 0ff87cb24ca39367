import { describe, expect, it } from 'vitest';
import { measureDashboard } from '../../bench/dashboard-cost.ts';

/**
 * One `GET /stats` reads the same whatever the number of documents due: against DynamoDB Local,
 * with 200 and then 2,000 documents due in its window and the due-day counters seeded by the
 * recount (run at each size over the year ahead, so its repeat is checked too), the dashboard answers the exact count
 * with the same reads, while the COUNT query it replaced grows with the documents
 * (bench/dashboard-cost.ts measures 1,000 and 100,000 the same way).
 */
describe('dashboard read cost', () => {
  it('answers 200 and 2,000 due with the same reads, within the 50-unit target', async () => {
    const [small, large] = await measureDashboard([200, 2000], 1);
    console.table([small, large]);
    expect(small).toMatchObject({ status: 200, due: 200, answered: 200 });
    expect(large).toMatchObject({ status: 200, due: 2000, answered: 2000 });
    expect(large?.recount).toMatchObject({ indexed: 2000, seeded: 2000 });
    expect(large?.readRequests).toBe(small?.readRequests);
    expect(large?.readUnits).toBe(small?.readUnits);
    expect(large?.readUnits).toBeLessThanOrEqual(50);
    expect(large?.countQueryReadUnits).toBeGreaterThan(5 * (small?.countQueryReadUnits ?? 0));
  }, 180_000);
});
