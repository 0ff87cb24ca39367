import { REVIEW_REJECTED } from './tasks.ts';

/**
 * The errors a workflow step throws for its state machine to act on. Step Functions matches a
 * Lambda error by its name (the `errorType` the runtime reports, which is the error's `name`), so
 * each class sets `name` to its own class name, and the ASL files in statemachines/ name them by
 * that string in their Retry and Catch clauses (test/infra/asl.test.ts keeps the two in step).
 */

/** What the errors below share: each names itself, as the ASL names it. */
abstract class WorkflowError extends Error {}

/** A state the workflow retries: a lost race or a moment's inconsistency (the ASL lists it). */
export class TransientError extends WorkflowError {
  override readonly name = 'TransientError';
}

/** An upload has no malware scan result yet; the workflow waits and retries (the ASL lists it). */
export class ScanPending extends WorkflowError {
  override readonly name = 'ScanPending';
}

/** The intake checks failed; the workflow catches it by name and rejects the submission. */
export class ChecksFailed extends WorkflowError {
  override readonly name = 'ChecksFailed';
}

/** An import batch has nothing left for a reviewer to decide; the workflow goes on to archive. */
export class NothingToReview extends WorkflowError {
  override readonly name = 'NothingToReview';
}

/**
 * The record is not in a state the step can act on; retrying will not help. No ASL names it on
 * purpose: it is neither retried nor caught by name, so it fails the execution (or falls to a
 * `States.ALL` Catch), and the stuck check reports the record that waited on it.
 */
export class WorkflowStateError extends WorkflowError {
  override readonly name = 'WorkflowStateError';
}

/** Every error class a step throws for its workflow to match by name. */
export const WORKFLOW_ERROR_CLASSES = [
  TransientError,
  ScanPending,
  ChecksFailed,
  NothingToReview,
  WorkflowStateError,
] as const;

/**
 * Errors a workflow is failed with from outside a step: a human decision sent as
 * `SendTaskFailure` (a reviewer's rejection), which the waiting state catches by name.
 */
export const TASK_FAILURE_ERRORS = [REVIEW_REJECTED] as const;
