import type {
  AgeBand,
  BatchStatus,
  CheckName,
  CustomerAccountStatus,
  DocumentStatus,
  FieldErrorCode,
  ItemStatus,
  LoanApprovalLevel,
  LoanStatus,
  ProblemCode,
  RejectionCode,
  RetentionCode,
  RetentionTrigger,
  Role,
  SubmissionStatus,
  TaskStatus,
  WatchedKind,
} from '../api.ts';
import type { messages } from './zh.ts';

/**
 * What every language must say. The Chinese messages (zh.ts) name the keys; every other language
 * gives exactly those (`satisfies Record<MessageKey, string>`), and every language gives a word for
 * each value of the API's enums, typed from functions/contract.ts: a value the API adds without a
 * word for it in some language is a type error.
 */
export type MessageKey = keyof typeof messages;

/**
 * Task kinds the console names. The core keeps kinds as strings (functions/core/tasks.ts
 * `TASK_KINDS`), so this list is the console's own.
 */
export type TaskKind = 'intake-review' | 'loan-approval' | 'disposal-appraisal' | 'disposal-approval';

/** A word for each value of each enum the console shows. */
export interface Labels {
  /** Submission, document, loan and task statuses: one vocabulary of badges. */
  st: Record<SubmissionStatus | DocumentStatus | LoanStatus | TaskStatus, string>;
  chk: Record<CheckName, string>;
  kind: Record<TaskKind, string>;
  batch: Record<BatchStatus, string>;
  item: Record<ItemStatus, string>;
  level: Record<LoanApprovalLevel, string>;
  /** The people holding each role (the dashboard's tasks waiting per role). */
  role: Record<Role, string>;
  stuckKind: Record<WatchedKind, string>;
  /** How long tasks have been waiting (the dashboard's age bands). */
  age: Record<AgeBand, string>;
}

/**
 * Words for what records hold and what the API says happened (messages/*-records.ts). The enum
 * groups are typed from the API; `field`, `action` and `target` are open vocabularies (record
 * attributes and audit actions), whose completeness the browser test's walk checks.
 */
export interface RecordLabels {
  retention: Record<RetentionCode, string>;
  trigger: Record<RetentionTrigger, string>;
  acct: Record<CustomerAccountStatus, string>;
  /** One person holding each role (sign-in page, header); `role` names the people of a role. */
  roleName: Record<Role, string>;
  problem: Record<ProblemCode, string>;
  rejection: Record<RejectionCode, string>;
  fieldError: Record<FieldErrorCode, string>;
  /** What a limit counts, by the `origin` of a field error (or the field, for `days`). */
  unit: Record<'string' | 'array' | 'number' | 'days', string>;
  field: Record<string, string>;
  action: Record<string, string>;
  target: Record<string, string>;
}
