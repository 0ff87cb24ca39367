/**
 * Hot-key arithmetic of the benchmark: index writes attributed to the partitions they land in
 * (bench/cost.ts indexWrites) and a run's spread over partition keys with the ceiling it sets
 * (bench/partitions.ts).
 */
import { describe, expect, it } from 'vitest';
import { type Item, indexWrites } from '../../bench/cost.ts';
import { partitionReport } from '../../bench/partitions.ts';

const GSI = [
  { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  { partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' as const, tableKeys: ['pk', 'sk'] },
];
const item = (gsi1?: string, gsi2?: string, pad = 0): Item => ({
  pk: { S: 'TASK#1' },
  sk: { S: 'TASK' },
  ...(gsi1 ? { gsi1pk: { S: gsi1 }, gsi1sk: { S: 't' } } : {}),
  ...(gsi2 ? { gsi2pk: { S: gsi2 }, gsi2sk: { S: 't' } } : {}),
  ...(pad ? { body: { S: 'x'.repeat(pad) } } : {}),
});

describe('index writes by partition', () => {
  it('puts an entry in the partition the item enters and deletes it from the one it leaves', () => {
    expect(indexWrites({ action: 'Put', after: item('OPEN#a', 'S#1'), indexes: GSI })).toEqual([
      { index: 0, partition: 'OPEN#a', units: 1 },
      { index: 1, partition: 'S#1', units: 1 },
    ]);
    expect(
      indexWrites({
        action: 'Update',
        before: item('OPEN#a'),
        after: item('OPEN#b', undefined, 2000),
        indexes: GSI,
      }),
    ).toEqual([
      { index: 0, partition: 'OPEN#a', units: 1 },
      { index: 0, partition: 'OPEN#b', units: 2 },
    ]);
    expect(indexWrites({ action: 'Delete', before: item('OPEN#a'), indexes: GSI })).toEqual([
      { index: 0, partition: 'OPEN#a', units: 1 },
    ]);
  });

  it('rewrites an ALL entry that stays, and leaves a KEYS_ONLY entry whose keys stayed alone', () => {
    expect(
      indexWrites({
        action: 'Update',
        before: item('OPEN#a', 'S#1'),
        after: item('OPEN#a', 'S#1', 10),
        indexes: GSI,
      }),
    ).toEqual([{ index: 0, partition: 'OPEN#a', units: 1 }]);
    expect(indexWrites({ action: 'ConditionCheck', before: item('OPEN#a'), indexes: GSI })).toEqual([]);
  });
});

describe('partition report', () => {
  const loads = [
    { partition: 'Audit.gsi2 DAY#2026-12-04', read: 0, write: 300 },
    { partition: 'Records TASK#1', read: 10, write: 50 },
    { partition: 'Records.gsi1 OPENTASKS#reviewer', read: 40, write: 50 },
    { partition: 'Records (Scan)', read: 500, write: 0 },
    ...Array.from({ length: 12 }, (_, i) => ({ partition: `Records DOCUMENT#${i}`, read: 1, write: 50 })),
  ];

  it('ranks keys by write units with their share and takes the largest share', () => {
    const r = partitionReport(loads, 100);
    expect(r.writeUnits).toBe(1000);
    expect(r.topWrites).toHaveLength(10);
    expect(r.topWrites[0]).toEqual({
      partition: 'Audit.gsi2 DAY#2026-12-04',
      units: 300,
      share: 0.3,
      perDocument: 3,
    });
    expect(r.hottestWriteShare).toBe(0.3);
  });

  it('adds the write units up by table or index and kind of key, per document', () => {
    expect(partitionReport(loads, 100).writesByKind).toEqual([
      { kind: 'Records DOCUMENT#', units: 600, perDocument: 6 },
      { kind: 'Audit.gsi2 DAY#', units: 300, perDocument: 3 },
      { kind: 'Records TASK#', units: 50, perDocument: 0.5 },
      { kind: 'Records.gsi1 OPENTASKS#', units: 50, perDocument: 0.5 },
    ]);
  });

  it('sets the ceiling by the key that reaches its partition limit first, scans aside', () => {
    const r = partitionReport(loads, 100);
    // 1,000 WCU/s over 3 units per document; the hottest read key takes 0.4 per document.
    expect(r.ceiling.writeDocsPerSecond).toBeCloseTo(1000 / 3);
    expect(r.ceiling.readDocsPerSecond).toBeCloseTo(3000 / 0.4);
    expect(r.ceiling.docsPerSecond).toBeCloseTo(1000 / 3);
    expect(r.ceiling.limitedBy).toContain('writes of Audit.gsi2 DAY#2026-12-04');
    expect(r.topReads[0]?.partition).toBe('Records.gsi1 OPENTASKS#reviewer');
    const readBound = partitionReport(loads, 100, { writeUnitsPerSecond: 1000, readUnitsPerSecond: 100 });
    expect(readBound.ceiling.limitedBy).toContain('reads of Records.gsi1 OPENTASKS#reviewer');
  });
});
