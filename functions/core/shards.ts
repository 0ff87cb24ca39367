/**
 * Write sharding: a partition key that every document would write (a day of the audit trail, a
 * role's open tasks) is split into `<key>#<n>` keys, n chosen from a stable id of the item, so no
 * single key takes more than a fraction of the writes (DynamoDB serves one key from one partition:
 * 1,000 write units a second). Readers read every shard and merge.
 */

/** A stable number of an id, to spread records over shards and hours. */
export const spreadOf = (id: string): number => {
  let sum = 0;
  for (const c of id) sum = (sum * 31 + (c.codePointAt(0) ?? 0)) % 100_003;
  return sum;
};

/** The shard key of `base` an item with this id is written to. */
export const shardKey = (base: string, id: string, shards: number): string =>
  `${base}#${spreadOf(id) % shards}`;

/**
 * Every key a reader of `base` reads: its shards and `base` itself, where items written before the
 * key was sharded stay (they are found without a migration).
 */
export const shardKeys = (base: string, shards: number): string[] => [
  ...Array.from({ length: shards }, (_, n) => `${base}#${n}`),
  base,
];
