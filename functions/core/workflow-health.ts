/**
 * What is watched so that no record waits with nothing that will move it: the metrics the stack
 * alarms on when a workflow could not finish its work.
 */

/** An intake's archiving failed for good and the submission went back to its clerk. */
export const ARCHIVE_FAILED_METRIC = 'ArchiveFailures';
