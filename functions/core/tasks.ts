import * as z from 'zod/mini';
import { Conflict, Forbidden } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';
import { mayAccessRegions } from './regions.ts';
import { type Actor, hasAnyRole, type Role } from './roles.ts';
import { businessEvent, type Scheme } from './scheme.ts';

/**
 * Tasks: the human steps of workflows. A task is OPEN until someone with its role decides it
 * (DONE) or its workflow gives up waiting (EXPIRED). The Step Functions task token is kept on
 * the task item and never leaves the server.
 */

export const TASK_STATUSES = ['OPEN', 'DONE', 'EXPIRED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * How long a task is kept once it is DONE or EXPIRED: its decision is in the audit trail for good,
 * and the task item only serves its workflow (a second answer is told who decided, a retried step
 * finds it). Longer than Step Functions lets an execution run (one year), so no workflow that
 * could still ask about it outlives it; then the table's TTL removes it.
 */
export const CLOSED_TASK_KEPT_DAYS = 400;

export interface TaskKindPolicy {
  /** Roles that may decide tasks of this kind (a task also names the one role it is assigned to). */
  roles: readonly Role[];
  /** The person who asked for the thing being decided may not decide it (三员分立 / four eyes). */
  separationOfDuties: boolean;
}

/**
 * Who may decide which kind of task. A kind not listed here can be decided by nobody, so a
 * workflow that adds a kind must add it here first.
 */
export const TASK_KINDS: Readonly<Record<string, TaskKindPolicy>> = {
  'intake-review': { roles: ['reviewer', 'archivist'], separationOfDuties: true },
  /** A migrated batch, reviewed by its sample (抽检); never by the archivist who imported it. */
  'import-review': { roles: ['reviewer'], separationOfDuties: true },
  /** Loan approvals (borrow-approval workflow): approvers, and archivists for the second level. */
  'loan-approval': { roles: ['approver', 'archivist'], separationOfDuties: true },
  /** Disposal (鉴定销毁): archivists appraise a batch; approvers approve it, never its appraiser. */
  'disposal-appraisal': { roles: ['archivist'], separationOfDuties: false },
  'disposal-approval': { roles: ['approver'], separationOfDuties: true },
};

export type ReviewLevel = 'review' | 'escalated';

export interface TaskRecord {
  taskId: string;
  kind: string;
  /** The role the task is assigned to. */
  role: Role;
  status: TaskStatus;
  subjectType: string;
  subjectId: string;
  summary: Record<string, unknown>;
  createdAt: string;
  dueAt: string;
  /** Step Functions task token; server-side only. */
  taskToken: string;
  /** The person who asked for the subject (e.g. the clerk who created the submission). */
  requesterSub?: string;
  /** People who may not decide it either: who decided an earlier level of the same request. */
  excludedSubs?: string[];
  /**
   * The regions of the customers the task concerns, fixed when it opened: a person limited to
   * regions sees and decides it only when they serve every one (core/customers.ts).
   */
  regions?: string[];
  executionId?: string;
  level?: ReviewLevel | 'first' | 'second';
  /** A second round of the same level after the first went unanswered. */
  reminder?: boolean;
  attempt?: number;
  decision?: Decision['decision'];
  comment?: string;
  /** Import review: the rows rejected. */
  rows?: number[];
  decidedBy?: string;
  decidedBySub?: string;
  decidedAt?: string;
  expiredAt?: string;
}

/** One review task per submission, attempt and level: a retried step finds the task it made. */
export const reviewTaskId = (submissionId: string, attempt: number, level: ReviewLevel): string =>
  `review-${submissionId}-${attempt}-${level}`;

export const reviewRole = (level: ReviewLevel): Role => (level === 'review' ? 'reviewer' : 'archivist');

export function dueAt(enteredAt: string, timeoutSeconds: number): string {
  const start = Date.parse(enteredAt);
  if (Number.isNaN(start)) throw new Error(`enteredAt ${enteredAt} is not a time`);
  return new Date(start + timeoutSeconds * 1000).toISOString();
}

export function intakeReviewSummary(args: {
  scheme: Scheme;
  customerId: string;
  customerNo?: string;
  customerName?: string;
  businessEvent: string;
  documentCount: number;
  level: ReviewLevel;
}): Record<string, unknown> {
  const event = businessEvent(args.scheme, args.businessEvent);
  const who = [args.customerNo, args.customerName].filter(Boolean).join(' ') || args.customerId;
  const what = event ? `${event.name.zh} ${event.name.en}` : args.businessEvent;
  const escalated = args.level === 'escalated' ? ' (escalated)' : '';
  return {
    text: `${who}: ${what}, ${args.documentCount} document${args.documentCount === 1 ? '' : 's'}${escalated}`,
    customerId: args.customerId,
    ...(args.customerNo === undefined ? {} : { customerNo: args.customerNo }),
    ...(args.customerName === undefined ? {} : { customerName: args.customerName }),
    businessEvent: args.businessEvent,
    documentCount: args.documentCount,
    level: args.level,
  };
}

export const decisionSchema = lazySchema(() =>
  z
    .strictObject({
      decision: z.enum(['approve', 'reject']),
      comment: z.optional(z.string().check(z.trim(), z.maxLength(2000))),
      /** Disposal appraisal only: keep documents for a new period, in years from their clock start. */
      extendYears: z.optional(
        z.number().check(z.int('extendYears must be a whole number of years'), z.minimum(1), z.maximum(100)),
      ),
      /** Disposal appraisal only: why the documents are kept longer. */
      reason: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(2000))),
      /** Disposal appraisal only: the documents to keep; all of the batch when absent. */
      documentIds: z.optional(
        z.array(z.string().check(z.minLength(1), z.maxLength(100))).check(z.minLength(1), z.maxLength(400)),
      ),
      /** Import review only: the catalogue rows rejected; a rejection naming none rejects the batch. */
      rows: z.optional(
        z.array(z.number().check(z.int(), z.minimum(1))).check(z.minLength(1), z.maxLength(1000)),
      ),
    })
    .check(
      z.superRefine((d, ctx) => {
        if (d.decision === 'reject' && !d.comment && !d.reason) {
          ctx.addIssue({ code: 'custom', path: ['comment'], message: 'a rejection needs a comment' });
        }
        if (d.extendYears !== undefined && !d.reason) {
          ctx.addIssue({ code: 'custom', path: ['reason'], message: 'an extension needs a reason' });
        }
        if (d.extendYears === undefined && (d.reason !== undefined || d.documentIds !== undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: ['extendYears'],
            message: 'reason and documentIds go with extendYears (the new retention period)',
          });
        }
      }),
    ),
);

export type Decision = z.infer<typeof decisionSchema>;

/** Whether the caller may decide the task at all (not whether it is still open). */
export function assertMayDecide(
  actor: Actor,
  task: Pick<TaskRecord, 'taskId' | 'kind' | 'role' | 'requesterSub' | 'excludedSubs'>,
) {
  const policy = TASK_KINDS[task.kind];
  if (!policy) throw new Forbidden(`nobody may decide tasks of kind ${task.kind}`);
  if (!policy.roles.includes(task.role) || !hasAnyRole(actor, [task.role])) {
    throw new Forbidden(`task ${task.taskId} (${task.kind}) is for role ${task.role}`);
  }
  if (policy.separationOfDuties && task.requesterSub === actor.sub) {
    throw new Forbidden(`task ${task.taskId} concerns your own request; someone else must decide it`);
  }
  if (policy.separationOfDuties && task.excludedSubs?.includes(actor.sub)) {
    throw new Forbidden(
      `you decided an earlier level of the request behind task ${task.taskId}; someone else must decide this one`,
    );
  }
}

export function assertOpen(task: Pick<TaskRecord, 'taskId' | 'status'>) {
  if (task.status !== 'OPEN') throw new Conflict(`task ${task.taskId} is already ${task.status}`);
}

/** What the waiting workflow receives; the intake ASL reads `decision`, `comment` and `decidedBy`. */
/** The error an intake review's rejection answers the workflow with; the workflow catches it by name. */
export const REVIEW_REJECTED = 'ReviewRejected';

/**
 * How a decision answers the waiting workflow: a rejected intake review fails the task with
 * REVIEW_REJECTED (its cause is the decision), so the workflow branches on it without a Choice
 * state; every other decision is the task's result.
 */
export function workflowAnswer(
  task: Pick<TaskRecord, 'taskId' | 'kind'>,
  decision: Decision,
  actor: Actor,
):
  | { ok: true; output: ReturnType<typeof decisionOutput> }
  | { ok: false; error: string; cause: ReturnType<typeof decisionOutput> } {
  const output = decisionOutput(task.taskId, decision, actor);
  if (task.kind === 'intake-review' && decision.decision === 'reject') {
    return { ok: false, error: REVIEW_REJECTED, cause: output };
  }
  return { ok: true, output };
}

export function decisionOutput(taskId: string, decision: Decision, actor: Actor) {
  return {
    decision: decision.decision,
    comment: decision.comment ?? '',
    decidedBy: actor.username,
    decidedBySub: actor.sub,
    taskId,
    ...(decision.rows === undefined ? {} : { rows: decision.rows }),
    ...(decision.extendYears === undefined
      ? {}
      : {
          extendYears: decision.extendYears,
          reason: decision.reason,
          ...(decision.documentIds ? { documentIds: decision.documentIds } : {}),
        }),
  };
}

export function taskView(task: TaskRecord) {
  return {
    taskId: task.taskId,
    kind: task.kind,
    role: task.role,
    subjectId: task.subjectId,
    summary: task.summary,
    createdAt: task.createdAt,
    dueAt: task.dueAt,
  };
}

/** Open tasks from the per-role lists the caller may decide: merged, deduplicated, newest first. */
export function openTasksFor(actor: Actor, lists: readonly (readonly TaskRecord[])[]) {
  const seen = new Map<string, TaskRecord>();
  for (const list of lists) for (const t of list) seen.set(t.taskId, t);
  return [...seen.values()]
    .filter((t) => {
      if (t.status !== 'OPEN' || !mayAccessRegions(actor, t.regions)) return false;
      try {
        assertMayDecide(actor, t);
        return true;
      } catch {
        return false;
      }
    })
    .sort((a, b) =>
      a.createdAt === b.createdAt ? b.taskId.localeCompare(a.taskId) : b.createdAt.localeCompare(a.createdAt),
    )
    .map(taskView);
}
