import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { type FunctionName, WORKFLOWS, type WorkflowName } from '../../functions/catalog.ts';
import {
  stateMachineName,
  WORKFLOW_TRACE_RATE,
  workflowDefinitionPath,
  workflowSubstitutions,
} from '../shared.ts';
import { pascal } from './functions.ts';
import { guardRule } from './nag.ts';

export interface WorkflowsProps {
  /**
   * The deployment's name (the parent stack's), which names the state machines, their log groups
   * and the sampling rule: literal names, so other stacks' policies name their executions exactly.
   */
  namePrefix: string;
  functions: Record<FunctionName, lambda.IFunction>;
  logRetention: logs.RetentionDays;
  /** The key the execution logs are encrypted with. */
  logKey: kms.IKey;
}

/**
 * One Standard state machine per entry of WORKFLOWS, defined by its ASL file in statemachines/
 * (the file the local realisation runs too). The file is deployed as an asset exactly as written;
 * Step Functions replaces each `${Name}` with the ARN of the function the catalog names.
 */
export class Workflows extends Construct {
  readonly byName: Record<WorkflowName, sfn.StateMachine>;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const byName: Partial<Record<WorkflowName, sfn.StateMachine>> = {};
    for (const name of Object.keys(WORKFLOWS) as WorkflowName[]) {
      const group = new Construct(this, pascal(name));
      const logGroup = new logs.LogGroup(group, 'Logs', {
        // The vendedlogs prefix keeps CloudWatch Logs' resource policy small for state machines.
        logGroupName: `/aws/vendedlogs/states/${stateMachineName(props.namePrefix, name)}`,
        retention: props.logRetention,
        encryptionKey: props.logKey,
      });
      Validations.of(logGroup).acknowledge(
        guardRule(
          'cloudwatch_log_group_encrypted_check',
          "Encrypted with the stack's key, which the parent stack passes in as a parameter; Guard's rule accepts only a literal or a key in the same template.",
        ),
      );
      const machine = new sfn.StateMachine(group, 'StateMachine', {
        comment: `Dangan ${name}`,
        stateMachineName: stateMachineName(props.namePrefix, name),
        stateMachineType: sfn.StateMachineType.STANDARD,
        definitionBody: sfn.DefinitionBody.fromFile(workflowDefinitionPath(name)),
        definitionSubstitutions: workflowSubstitutions(name, (fn) => props.functions[fn].functionArn),
        // Every event is logged; state data is not, since task tokens travel in it.
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
      });
      const invoked = [...new Set(Object.values(WORKFLOWS[name].substitutions))];
      machine.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'InvokeSteps',
          actions: ['lambda:InvokeFunction'],
          resources: invoked.map((fn) => props.functions[fn].functionArn),
        }),
      );
      Validations.of(machine.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Logging to CloudWatch Logs (logs:CreateLogDelivery and related delivery actions) and X-Ray tracing (xray:PutTraceSegments and related) do not support resource-level permissions.',
      });
      byName[name] = machine;
    }
    this.byName = byName as Record<WorkflowName, sfn.StateMachine>;

    // The workflows' executions are traced at a fixed share and no reservoir (without a rule of
    // its own, X-Ray's default traces one a second and 5% beyond: nearly all of an archive's).
    new xray.CfnSamplingRule(this, 'TraceSampling', {
      samplingRule: {
        ruleName: `${props.namePrefix}-workflows`.slice(0, 32),
        priority: 100,
        fixedRate: WORKFLOW_TRACE_RATE,
        reservoirSize: 0,
        serviceType: 'AWS::StepFunctions::StateMachine',
        serviceName: '*',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: '*',
        version: 1,
      },
    });
  }
}
