/**
 * `fn` over every item, at most `limit` running at once, the results in the items' order. A step
 * that works on a page of rows waits on DynamoDB and S3 for each: a pool keeps `limit` requests
 * in flight, where groups of `limit` would wait for the slowest of each. The first failure is
 * thrown once the running calls have ended (none is left running behind the step's answer).
 */
export async function mapPooled<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
  return results;
}
