/**
 * `fn` over every item of `source`, at most `limit` at once, the results handed on in the order of
 * the items: files are read and the API asked in parallel, while duplicates are judged and the
 * report written in row order. Holds at most `limit` items and results.
 */
export async function* orderedMap<T, R>(
  source: AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const window: Promise<R>[] = [];
  for await (const item of source) {
    const running = fn(item);
    // Awaited in turn below; a later one failing first must not count as unhandled meanwhile.
    running.catch(() => {});
    window.push(running);
    if (window.length >= limit) yield await (window.shift() as Promise<R>);
  }
  while (window.length > 0) yield await (window.shift() as Promise<R>);
}
