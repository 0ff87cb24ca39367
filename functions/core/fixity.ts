/**
 * Which archived originals a fixity run re-hashes. Runs walk the originals in key order, a sample
 * a day after the key the last run ended on (its cursor); a run that reaches the end of the
 * bucket goes on from its beginning up to that cursor, so every original comes round in turn.
 */

export interface FixityRound {
  /** The keys to re-hash, in order. */
  keys: string[];
  /** The key the next run starts after; none when the round ends at the end of the bucket. */
  cursor?: string;
}

/**
 * `first`: up to `sample` keys after the previous cursor; `again`: the keys from the bucket's
 * beginning, listed when `first` fell short and there was a previous cursor. Keys past the previous
 * cursor, or already in `first`, are not taken twice.
 */
export function fixityRound(
  sample: number,
  previousCursor: string | undefined,
  first: readonly string[],
  again: readonly string[] | undefined,
): FixityRound {
  if (first.length >= sample) {
    const cursor = first.at(-1);
    return { keys: [...first], ...(cursor === undefined ? {} : { cursor }) };
  }
  const fresh = (again ?? []).filter((k) => !first.includes(k) && k <= (previousCursor ?? ''));
  const cursor = fresh.at(-1);
  return { keys: [...first, ...fresh], ...(cursor === undefined ? {} : { cursor }) };
}
