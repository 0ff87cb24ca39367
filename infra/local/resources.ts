/**
 * The local resources, named and shaped as the stack names and shapes its own: buckets, tables,
 * state machines with their ASL substitutions, and the environment the handlers are given.
 */
import { readFileSync } from 'node:fs';
import { ACCOUNTS_TABLE, AUDIT_TABLE, RECORDS_TABLE } from '../../functions/adapters/tables.ts';
import { FUNCTIONS, type FunctionName, WORKFLOWS, type WorkflowName } from '../../functions/catalog.ts';
import {
  DEFAULT_STACK_NAME,
  stateMachineName as deployedStateMachineName,
  functionEnvironment,
  type ResourceNames,
  workflowDefinitionPath,
  workflowSubstitutions,
} from '../shared.ts';
import { localTableName } from './dynamodb.ts';

/** The account every local ARN names. */
export const ACCOUNT_ID = '000000000000';

/** Names of the local resources, the same shape as the stack's. */
export function localNames(region: string) {
  const intakeBucket = 'dangan-intake';
  const archiveBucket = 'dangan-archive';
  // Named as the stack names them, so the synthesized policies name the same executions.
  const stateMachineName = (wf: WorkflowName) => deployedStateMachineName(DEFAULT_STACK_NAME, wf);
  return {
    intakeBucket,
    archiveBucket,
    recordsTable: localTableName(RECORDS_TABLE),
    auditTable: localTableName(AUDIT_TABLE),
    accountsTable: localTableName(ACCOUNTS_TABLE),
    stateMachineName,
    stateMachineArn: (wf: WorkflowName) =>
      `arn:aws:states:${region}:${ACCOUNT_ID}:stateMachine:${stateMachineName(wf)}`,
  };
}

/** The ASL file of a workflow with its `${Name}` substitutions replaced, as the stack does. */
export function workflowDefinition(wf: WorkflowName, arnOf: (fn: FunctionName) => string): string {
  let text = readFileSync(workflowDefinitionPath(wf), 'utf8');
  for (const [name, arn] of Object.entries(workflowSubstitutions(wf, arnOf))) {
    text = text.split(`\${${name}}`).join(arn);
  }
  const left = /\$\{([A-Za-z0-9_]+)\}/.exec(text);
  if (left) throw new Error(`${WORKFLOWS[wf].file}: no substitution for \${${left[1]}}`);
  return text;
}

/**
 * The handlers' environment: the union of what the stack gives each function. All functions
 * share this process, so each sees every name (on AWS a function sees only its own).
 */
export function handlerEnvironment(resources: ResourceNames): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    Object.assign(env, functionEnvironment(name, resources));
  }
  // Source maps are on already (tsx); NODE_OPTIONS would leak into DynamoDB Local's launcher.
  delete env.NODE_OPTIONS;
  return env;
}
