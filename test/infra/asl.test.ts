import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS, type WorkflowName } from '../../functions/catalog.ts';
import {
  TASK_FAILURE_ERRORS,
  WORKFLOW_ERROR_CLASSES,
  WorkflowStateError,
} from '../../functions/core/workflow-errors.ts';
import { workflowDefinitionPath } from '../../infra/shared.ts';

/**
 * Every ASL file in statemachines/ is valid Amazon States Language (asl-validator, with path
 * checks), every workflow in the catalog has its file, and every `${Name}` the file uses is a
 * substitution the catalog declares (and the other way round). Every waiting task has a timeout.
 * Every error name a Retry or Catch matches is Step Functions' own (`States.*`), Lambda's
 * (`Lambda.*`, and the runtime crashes `Runtime.ExitError` and `Sandbox.Timedout`), or one of the
 * workflow errors of functions/core/workflow-errors.ts, each of which some ASL names.
 */

type Validator = (
  definition: unknown,
  opts?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errors: unknown[]; errorsText: (sep?: string) => string };
const validate = createRequire(import.meta.url)('asl-validator') as Validator;

const dir = join(import.meta.dirname, '../../statemachines');
const files = readdirSync(dir).filter((f) => f.endsWith('.asl.json'));
const workflows = Object.keys(WORKFLOWS) as WorkflowName[];

interface State {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  States?: Record<string, State>;
  Iterator?: { States: Record<string, State> };
  ItemProcessor?: { States: Record<string, State> };
  Branches?: { States: Record<string, State> }[];
}

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, s]) => [
    [name, s] as [string, State],
    ...allStates(s.Iterator?.States ?? s.ItemProcessor?.States ?? {}),
    ...(s.Branches ?? []).flatMap((b) => allStates(b.States)),
  ]);
}

describe('state machine definitions', () => {
  it('has a file for every workflow and a workflow for every file', () => {
    expect(files.sort()).toEqual(workflows.map((w) => WORKFLOWS[w].file).sort());
  });

  it.each(files)('%s is valid ASL', (file) => {
    // ${Name} substitutions are valid ASL strings already; ARN checks need the real ARNs.
    const definition = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const result = validate(definition, { checkPaths: true, checkArn: false });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('rejects a definition with a dangling transition (the validator is live)', () => {
    const result = validate(
      { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } },
      { checkPaths: true, checkArn: false },
    );
    expect(result.isValid).toBe(false);
  });

  it.each(workflows)('%s uses exactly the substitutions the catalog declares', (name) => {
    const text = readFileSync(workflowDefinitionPath(name), 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(WORKFLOWS[name].substitutions).sort());
  });

  it.each(workflows)('%s gives every callback task a timeout', (name) => {
    const definition = JSON.parse(readFileSync(workflowDefinitionPath(name), 'utf8'));
    const waiting = allStates(definition.States).filter(([, s]) => s.Resource?.endsWith('.waitForTaskToken'));
    for (const [stateName, s] of waiting) {
      expect(s.TimeoutSeconds ?? s.TimeoutSecondsPath, stateName).toBeDefined();
    }
  });

  it('intake-review-archive validates inside Review: two states on the happy path, checks and scans caught by name', () => {
    const definition = JSON.parse(readFileSync(workflowDefinitionPath('intake-review-archive'), 'utf8'));
    const review = definition.States.Review;
    expect(definition.StartAt).toBe('Review');
    expect(definition.States.Validate).toBeUndefined();
    expect(review.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(review.Next).toBe('Archive');
    expect(definition.States.Archive.End).toBe(true);
    // An unscanned upload is retried for about an hour, then the submission is rejected.
    const scan = review.Retry.find((r: { ErrorEquals: string[] }) => r.ErrorEquals.includes('ScanPending'));
    expect(scan).toMatchObject({
      IntervalSeconds: 10,
      MaxAttempts: 10,
      BackoffRate: 2,
      MaxDelaySeconds: 600,
    });
    const caught = Object.fromEntries(
      review.Catch.map((c: { ErrorEquals: string[]; Next: string }) => [c.ErrorEquals.join(), c.Next]),
    );
    expect(caught).toEqual({
      ChecksFailed: 'FailedChecks',
      ScanPending: 'ScanNotFinished',
      ReviewRejected: 'ReadRejection',
      'States.Timeout': 'EscalateReview',
    });
  });

  describe('error names', () => {
    /** Every `ErrorEquals` entry of every Retry and Catch, nested states included, per file. */
    const namesIn = (file: string): string[] => {
      const names: string[] = [];
      JSON.parse(readFileSync(join(dir, file), 'utf8'), (key, value) => {
        if (key === 'ErrorEquals') names.push(...(value as string[]));
        return value;
      });
      return names;
    };
    const used = new Set(files.flatMap(namesIn));
    /** A Lambda function that crashed (exit, out of time, unknown): the runtime names these. */
    const LAMBDA_RUNTIME = new Set(['Runtime.ExitError', 'Sandbox.Timedout']);
    const workflowErrors = new Set<string>([
      ...WORKFLOW_ERROR_CLASSES.map((c) => c.name),
      ...TASK_FAILURE_ERRORS,
    ]);

    it('names only States.*, Lambda.* and runtime errors, and the workflow errors of the core', () => {
      expect(used.size).toBeGreaterThan(0);
      const unknown = [...used].filter(
        (n) =>
          !n.startsWith('States.') &&
          !n.startsWith('Lambda.') &&
          !LAMBDA_RUNTIME.has(n) &&
          !workflowErrors.has(n),
      );
      expect(unknown).toEqual([]);
    });

    it.each(WORKFLOW_ERROR_CLASSES.map((c) => [c.name, c] as const))(
      '%s reports its class name as the error name the ASL matches',
      (name, ErrorClass) => {
        expect(new ErrorClass('x').name).toBe(name);
      },
    );

    it('uses every workflow error except WorkflowStateError, which fails the execution on purpose', () => {
      // WorkflowStateError means retrying cannot help: neither retried nor caught by name.
      const unused = [...workflowErrors].filter((n) => !used.has(n));
      expect(unused).toEqual([WorkflowStateError.name]);
    });
  });
});
