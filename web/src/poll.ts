/**
 * How pages keep up with the server without paying for it: every poll is an API request, a
 * Lambda invocation and a DynamoDB read, so a page polls only while it is visible, waits twice as
 * long after each poll up to `maxMs`, and starts again at `firstMs` when it becomes visible or
 * the person asks (`again()`, e.g. the refresh button). `run` answers false to stop polling (what
 * it waited for has happened). An inbox left open for an hour (15 s, doubling to 60 s) costs about
 * 60 requests instead of 360 at a fixed 10 seconds.
 */
export interface Poll {
  /** Polls now and starts the schedule over from `firstMs`. */
  again(): void;
  stop(): void;
}

export function poll(
  run: () => Promise<unknown>,
  { firstMs, maxMs }: { firstMs: number; maxMs: number },
): Poll {
  let delay = firstMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stopped || document.visibilityState === 'hidden') return;
    timer = setTimeout(() => void tick(), delay);
  };
  const tick = async () => {
    timer = undefined;
    try {
      if ((await run()) === false) stopped = true;
    } catch {
      // The next poll tries again.
    }
    delay = Math.min(delay * 2, maxMs);
    schedule();
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible') again();
    else schedule();
  };
  const again = () => {
    if (stopped) return;
    delay = firstMs / 2; // doubled by the poll below: the next comes `firstMs` after it
    if (timer) clearTimeout(timer);
    timer = undefined;
    void tick();
  };
  document.addEventListener('visibilitychange', onVisible);
  schedule();
  return {
    again,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
