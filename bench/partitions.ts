/**
 * Hot keys: how a run's capacity units spread over partition keys (the probe attributes every
 * write and read to the keys it touched, bench/probe.ts), and the intake rate that spread allows
 * before one partition reaches DynamoDB's per-partition limits. Pure arithmetic over the probe's
 * figures, unit-tested in test/unit/bench-partitions.test.ts.
 */
import type { PartitionLoad } from './meters.ts';

/** DynamoDB's limits per partition (and so per partition key, which never spans partitions). */
export const PARTITION_LIMITS = { writeUnitsPerSecond: 1000, readUnitsPerSecond: 3000 };

export interface PartitionShare {
  partition: string;
  units: number;
  /** Of all the run's units of that kind (write or read). */
  share: number;
  perDocument: number;
}

export interface PartitionReport {
  documents: number;
  partitions: number;
  writeUnits: number;
  readUnits: number;
  /** The ten partition keys that took the most write units. */
  topWrites: PartitionShare[];
  /** The five partition keys that took the most read units (reads of no single key left out). */
  topReads: PartitionShare[];
  /** The largest share of the write units any one partition key took. */
  hottestWriteShare: number;
  /**
   * Write units per document by table or index and kind of key (`Records DOCUMENT#`,
   * `Audit.dayKeys DAY#`), most first: where the bill's writes go.
   */
  writesByKind: { kind: string; units: number; perDocument: number }[];
  /** Documents per second before the hottest key reaches a partition's write or read limit. */
  ceiling: {
    writeDocsPerSecond: number;
    readDocsPerSecond: number;
    docsPerSecond: number;
    limitedBy: string;
  };
}

function ranked(loads: readonly PartitionLoad[], kind: 'write' | 'read', documents: number, n: number) {
  const total = loads.reduce((a, l) => a + l[kind], 0);
  return {
    total,
    top: loads
      .filter((l) => l[kind] > 0)
      .sort((x, y) => y[kind] - x[kind])
      .slice(0, n)
      .map((l) => ({
        partition: l.partition,
        units: l[kind],
        share: total > 0 ? l[kind] / total : 0,
        perDocument: l[kind] / documents,
      })),
  };
}

/**
 * The write units of each table or index and kind of key: a partition's name is the table or
 * index, a space and the key, whose kind is what comes before its first `#`.
 */
function writesByKind(loads: readonly PartitionLoad[], documents: number) {
  const units = new Map<string, number>();
  for (const l of loads) {
    const kind = l.partition.replace(/^(\S+ [^#]*#?).*$/, '$1');
    units.set(kind, (units.get(kind) ?? 0) + l.write);
  }
  return [...units]
    .filter(([, u]) => u > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, u]) => ({ kind, units: u, perDocument: u / documents }));
}

/** The spread of a run of `documents` documents over its partition keys, and the ceiling it sets. */
export function partitionReport(
  loads: readonly PartitionLoad[],
  documents: number,
  limits = PARTITION_LIMITS,
): PartitionReport {
  const writes = ranked(loads, 'write', documents, 10);
  // A Scan reads no single key: it is not a hot key (and none runs per document).
  const keyed = loads.filter((l) => !/ \(\w+\)$/.test(l.partition));
  const reads = ranked(keyed, 'read', documents, 5);
  const hottestWrite = writes.top[0];
  const hottestRead = reads.top[0];
  const writeDocsPerSecond = hottestWrite
    ? limits.writeUnitsPerSecond / hottestWrite.perDocument
    : Number.POSITIVE_INFINITY;
  const readDocsPerSecond = hottestRead
    ? limits.readUnitsPerSecond / hottestRead.perDocument
    : Number.POSITIVE_INFINITY;
  const byWrites = writeDocsPerSecond <= readDocsPerSecond;
  const limiting = byWrites ? hottestWrite : hottestRead;
  return {
    documents,
    partitions: loads.length,
    writeUnits: writes.total,
    readUnits: loads.reduce((a, l) => a + l.read, 0),
    topWrites: writes.top,
    topReads: reads.top,
    hottestWriteShare: hottestWrite?.share ?? 0,
    writesByKind: writesByKind(loads, documents),
    ceiling: {
      writeDocsPerSecond,
      readDocsPerSecond,
      docsPerSecond: Math.min(writeDocsPerSecond, readDocsPerSecond),
      limitedBy: limiting
        ? `${byWrites ? 'writes' : 'reads'} of ${limiting.partition} (${limiting.perDocument.toFixed(3)} units per document)`
        : 'nothing measured',
    },
  };
}
