import { now } from '../core/clock.ts';
import { checkFixity } from '../services/fixity.ts';
import { keepPermanent } from '../services/permanence.ts';
import { sweepDue } from '../services/retention-sweep.ts';

/**
 * The daily retention run (EventBridge Scheduler on AWS, the local scheduler here): the sweep of
 * documents due for disposal (services/retention-sweep.ts), the fixity check of a sample of
 * archived originals (services/fixity.ts), then the extension of permanent records' COMPLIANCE
 * retention before it comes near (services/permanence.ts).
 */

/** bench/sweep-cost.ts measures the sweep through this module. */

/**
 * Invoked daily by EventBridge Scheduler with `{ schedule, scheduledTime }` (locally by the
 * local scheduler with the same input, and by `POST /local/sweep`). The sweep reads the time
 * from the clock, not from the input, so a late or repeated delivery claims what is due now.
 */
export async function handler(_event?: { schedule?: string; scheduledTime?: string }) {
  const at = now();
  const sweep = await sweepDue(at);
  const fixity = await checkFixity(at);
  const permanence = await keepPermanent(at);
  return { sweep, fixity, permanence };
}
