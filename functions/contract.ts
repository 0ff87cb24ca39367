/**
 * The API's views and enums as types, for the console (`web/`): the one place the console learns
 * what the API answers. Types only: every line is erased when the console is built, so nothing of
 * `functions/` reaches its bundle, and a change to a view in the core is a type error in the
 * console where it reads that view.
 *
 * Views that the core builds with a function (`documentView`, `loanView`, ...) are named here as
 * that function's return type; the functions are imported as types, never as values.
 */

import type { personView } from './core/accounts.ts';
import type { versionView } from './core/customers.ts';
import type { batchView, itemView } from './core/destruction-list.ts';
import type { documentVersionView } from './core/document-history.ts';
import type { loanView } from './core/loans.ts';
import type { submissionListItem } from './core/submission-list.ts';
import type { submissionView } from './core/submissions.ts';
import type { taskView } from './core/tasks.ts';

export type { AuditEvent } from './core/audit-trail.ts';
export type { AccountStatus as CustomerAccountStatus, Customer } from './core/customers.ts';
export type { BatchStatus, Hold, ItemStatus } from './core/disposal.ts';
export type {
  CheckName,
  CheckResult,
  DocumentStatus,
  DocumentView,
  ShelfLocation,
} from './core/documents.ts';
export type { FieldError, FieldErrorCode } from './core/errors.ts';
export type { HandoverStatus, HandoverView } from './core/handovers.ts';
export type { Problem, ProblemCode } from './core/intake-checks.ts';
export type { LoanApprovalLevel, LoanDocument, LoanStatus } from './core/loans.ts';
export type { Role } from './core/roles.ts';
export type { RetentionCode, RetentionTrigger } from './core/scheme.ts';
export type { AgeBand, StatsView } from './core/stats.ts';
export type { Rejection, RejectionCode, SubmissionStatus } from './core/submissions.ts';
export type { TaskStatus } from './core/tasks.ts';
export type { WatchedKind } from './core/workflow-health.ts';

/** `GET /submissions/{submissionId}`. */
export type SubmissionView = ReturnType<typeof submissionView>;
/** An item of `GET /submissions` (the clerk's own submissions). */
export type SubmissionListItem = ReturnType<typeof submissionListItem>;
/** An item of `GET /tasks`. */
export type TaskView = ReturnType<typeof taskView>;
/** `GET /loans/{loanId}` and the items of `GET /loans`. */
export type LoanView = ReturnType<typeof loanView>;
/** `GET /disposals` items, and `GET /disposals/{batchId}` without its items and links. */
export type BatchView = ReturnType<typeof batchView>;
/** One document of a disposal batch; after destruction, its tombstone. */
export type BatchItemView = ReturnType<typeof itemView>;
/** An item of `GET /documents/{documentId}/history`. */
export type DocumentVersionView = ReturnType<typeof documentVersionView>;
/** An item of `GET /customers/{customerId}/history`. */
export type CustomerVersionView = ReturnType<typeof versionView>;
/** An item of `GET /people`: a colleague's id, username and the name to show. */
export type PersonView = ReturnType<typeof personView>;
