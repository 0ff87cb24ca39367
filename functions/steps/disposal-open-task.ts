import { type OpenDisposalTaskInput, openBatchTask } from '../services/disposal-tasks.ts';

/**
 * Workflow steps Appraisal and Approval of disposal (`.waitForTaskToken`): opens the batch's task
 * of the round with the state's token and moves the batch to the stage.
 * The step only hands its input to services/disposal-tasks.ts.
 */

export type { OpenDisposalTaskInput };

export async function handler(input: OpenDisposalTaskInput): Promise<{ taskId: string }> {
  return openBatchTask(input);
}
