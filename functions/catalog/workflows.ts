import type { FunctionName } from './functions.ts';

/**
 * The workflows: each its ASL file under statemachines/ and the functions its Task states call,
 * whose ARNs are the file's `${Name}` substitutions (on AWS and locally alike).
 */

export type WorkflowName =
  | 'intake-review-archive'
  | 'borrow-approval'
  | 'disposal'
  | 'import-batch'
  | 'handover';

export const WORKFLOWS: Record<WorkflowName, { file: string; substitutions: Record<string, FunctionName> }> =
  {
    'intake-review-archive': {
      file: 'intake-review-archive.asl.json',
      substitutions: {
        OpenReviewFunctionArn: 'intake-open-review',
        ArchiveFunctionArn: 'intake-archive',
        RejectFunctionArn: 'intake-reject',
      },
    },
    'borrow-approval': {
      file: 'borrow-approval.asl.json',
      substitutions: {
        ValidateFunctionArn: 'loan-validate',
        OpenApprovalFunctionArn: 'loan-open-approval',
        GrantFunctionArn: 'loan-grant',
        RejectFunctionArn: 'loan-reject',
        ExpireFunctionArn: 'loan-expire',
      },
    },
    disposal: {
      file: 'disposal.asl.json',
      substitutions: {
        OpenTaskFunctionArn: 'disposal-open-task',
        AppraisedFunctionArn: 'disposal-appraised',
        ApprovedFunctionArn: 'disposal-approved',
        DestroyFunctionArn: 'disposal-destroy',
        FinishFunctionArn: 'disposal-finish',
        AbandonFunctionArn: 'disposal-abandon',
      },
    },
    'import-batch': {
      file: 'import-batch.asl.json',
      substitutions: { StepFunctionArn: 'import-step' },
    },
    handover: {
      file: 'handover.asl.json',
      substitutions: { BuildFunctionArn: 'handover-build' },
    },
  };
