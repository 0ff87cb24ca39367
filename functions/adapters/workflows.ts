import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { errorName } from '../core/errors.ts';
import { executionArnOf } from '../core/executions.ts';
import type { ExecutionStatus } from '../core/workflow-health.ts';
import { borrowWorkflowArn, handoverWorkflowArn, importWorkflowArn, intakeWorkflowArn } from './env.ts';
import { sfn } from './sfn-client.ts';

/** Step Functions: starting the intake and borrow workflows and answering task tokens. */

export type StartResult = { started: true; executionArn: string } | { started: false; reason: 'name-taken' };

/**
 * Starts intake-review-archive under a deterministic name. Step Functions answers a repeated
 * start with the same name and input with the running execution, so a retried request starts
 * nothing new; a name already used with other input, or by a finished execution, is `name-taken`.
 */
export function startIntakeExecution(name: string, input: unknown): Promise<StartResult> {
  return startExecution(intakeWorkflowArn(), name, input);
}

/**
 * The ARN the intake execution named `name` has (or will have): Step Functions derives it from
 * the state machine's ARN, so it can be recorded before the execution starts.
 */
export const intakeExecutionArn = (name: string): string => executionArnOf(intakeWorkflowArn(), name);

/** Starts borrow-approval for a loan; the execution is named after the loan (see `startIntakeExecution`). */
export function startBorrowExecution(loanId: string, input: unknown): Promise<StartResult> {
  return startExecution(borrowWorkflowArn(), loanId, input);
}

/** Starts the import-batch workflow of a batch under a deterministic name (see `startIntakeExecution`). */
export function startImportExecution(name: string, input: unknown): Promise<StartResult> {
  return startExecution(importWorkflowArn(), name, input);
}

export const importExecutionArn = (name: string): string => executionArnOf(importWorkflowArn(), name);

/** Starts the build of a handover package, the execution named after the package. */
export function startHandoverExecution(handoverId: string, input: unknown): Promise<StartResult> {
  return startExecution(handoverWorkflowArn(), handoverId, input);
}

async function startExecution(stateMachineArn: string, name: string, input: unknown): Promise<StartResult> {
  try {
    const res = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    if (!res.executionArn) throw new Error('Step Functions returned no execution ARN');
    return { started: true, executionArn: res.executionArn };
  } catch (err) {
    if (errorName(err) === 'ExecutionAlreadyExists') return { started: false, reason: 'name-taken' };
    throw err;
  }
}

/** Errors meaning the workflow no longer waits for this token. */
const GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/** Sends a task's result; `expired` when the workflow stopped waiting (timed out, token invalid). */
export async function answerTask(taskToken: string, output: unknown): Promise<'sent' | 'expired'> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return 'sent';
  } catch (err) {
    if (GONE.has(errorName(err) ?? '')) return 'expired';
    throw err;
  }
}

/**
 * Answers a task with a failure named `error` (a workflow catches it by that name and goes its
 * own way, with `cause` as JSON); `expired` when the workflow stopped waiting.
 */
export async function failTask(
  taskToken: string,
  error: string,
  cause: unknown,
): Promise<'sent' | 'expired'> {
  try {
    await sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: JSON.stringify(cause) }));
    return 'sent';
  } catch (err) {
    if (GONE.has(errorName(err) ?? '')) return 'expired';
    throw err;
  }
}

/** The status of one execution; MISSING when Step Functions knows no execution of that ARN. */
export async function executionStatus(executionArn: string): Promise<ExecutionStatus> {
  try {
    const res = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return (res.status ?? 'MISSING') as ExecutionStatus;
  } catch (err) {
    if (errorName(err) === 'ExecutionDoesNotExist') return 'MISSING';
    throw err;
  }
}
