import { buildHandover, failHandover } from '../services/handover-build.ts';

/**
 * The states of the handover workflow (statemachines/handover.asl.json): Build writes the package
 * (services/handover-build.ts); Fail, reached by the workflow's Catch when Build died (a timeout,
 * a crash), records why, so no package stays BUILDING. Both are safe to run again.
 */

export type HandoverStepInput =
  | { step: 'build'; handoverId: string }
  | { step: 'fail'; handoverId: string; error?: { Error?: string; Cause?: string } };

export async function handler(input: HandoverStepInput): Promise<unknown> {
  if (input.step === 'build') return buildHandover(input.handoverId);
  if (input.step === 'fail') return failHandover(input.handoverId, input.error?.Error ?? 'unknown');
  throw new Error(`unknown handover step ${String((input as { step?: unknown }).step)}`);
}
