import { checkWatchedWorkflows, type WatchSummary } from '../services/workflow-watch.ts';

/**
 * Scheduled (hourly; locally also `POST /local/watch`): the check that no record waits with
 * nothing that will move it (services/workflow-watch.ts). Safe to run twice.
 */

export type { WatchSummary };

export async function handler(): Promise<WatchSummary> {
  return checkWatchedWorkflows();
}
