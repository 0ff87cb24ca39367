/** Step Functions executions as Dangan names them: one per record, named after it. */

/**
 * The ARN Step Functions gives an execution named `name` of a Standard state machine; known
 * before the start, so a record (a submission, loan or disposal batch) names its execution from
 * the moment it exists, and the stuck check can ask for it.
 */
export function executionArnOf(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine') {
    throw new Error(`${stateMachineArn} is not a state machine ARN`);
  }
  parts[5] = 'execution';
  return `${parts.join(':')}:${name}`;
}
