import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ENV } from '../catalog/environment.ts';
import { now } from '../core/clock.ts';
import { errorName } from '../core/errors.ts';
import { executionArnOf } from '../core/executions.ts';
import { requireEnv } from './env.ts';
import { sfn } from './sfn-client.ts';
import { putWatch } from './watch-repo.ts';

/** Step Functions: starting the disposal workflow of a batch. */

export const disposalWorkflowArn = (): string => requireEnv(ENV.disposalWorkflow);

/**
 * Starts the disposal workflow of a batch, named after the batch with the batch id as its only
 * input. Step Functions answers a repeated start of a running execution with that execution, and
 * a start of a finished one with ExecutionAlreadyExists: either way one execution per batch.
 */
export async function startDisposal(batchId: string): Promise<'started' | 'exists'> {
  // Watched until the batch is done: no batch waits on an execution that is gone.
  await putWatch({
    kind: 'disposal',
    recordId: batchId,
    executionArn: executionArnOf(disposalWorkflowArn(), batchId),
    since: now().toISOString(),
  });
  try {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: disposalWorkflowArn(),
        name: batchId,
        input: JSON.stringify({ batchId }),
      }),
    );
    return 'started';
  } catch (err) {
    if (errorName(err) === 'ExecutionAlreadyExists') return 'exists';
    throw err;
  }
}
