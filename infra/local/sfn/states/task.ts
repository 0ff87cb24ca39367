/**
 * The Task state for Lambda: `lambda:invoke`, `lambda:invoke.waitForTaskToken` (the token is
 * passed in the context object; the task waits for SendTaskSuccess/Failure, with heartbeats) and
 * plain function ARNs. TimeoutSeconds raises States.Timeout, a missed heartbeat
 * States.HeartbeatTimeout; parameters and results over the payload quota States.DataLimitExceeded.
 * What a pending task waits for is persisted, so a restart resumes it (a Lambda still running then
 * is invoked again). Retry and Catch are applied by the runtime (see recovery.ts).
 */
import { randomBytes } from 'node:crypto';
import { LAMBDA_INVOKE, LAMBDA_INVOKE_TOKEN } from '../asl.ts';
import { applyTemplate, selectPath } from '../dataflow.ts';
import { checkPayload, HEARTBEAT_TIMEOUT, runtimeError, StatesError, TIMEOUT } from '../errors.ts';
import { isObject, type Json, queryPath } from '../jsonpath.ts';
import type { Runtime } from '../runtime.ts';
import type { Outcome, Step, StepResult, TaskPending } from '../types.ts';
import { functionArn, invoke, invokeResult, type Settled } from './lambda.ts';

function newToken(): string {
  return randomBytes(64).toString('base64url');
}

type Kind = 'invoke' | 'invoke.waitForTaskToken' | 'function';

function seconds(st: Step['st'], field: 'TimeoutSeconds' | 'HeartbeatSeconds', eff: Json, ctx: Json) {
  const v =
    field === 'TimeoutSeconds' && st.TimeoutSecondsPath !== undefined
      ? queryPath(st.TimeoutSecondsPath, eff, ctx)
      : st[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0)) {
    throw runtimeError(`${field} of state must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Computes the parameters, opens the token and records the task as scheduled. */
function schedule(rt: Runtime, { ex, t, st }: Step, kind: Kind): TaskPending {
  const token = kind === 'invoke.waitForTaskToken' ? newToken() : undefined;
  const ctx = rt.context(ex, t, token ? { Task: { Token: token } } : {});
  const eff = selectPath(st.InputPath, t.input, ctx);
  const params = st.Parameters !== undefined ? applyTemplate(st.Parameters, eff, ctx) : eff;
  checkPayload(params, `The input of state '${t.state}' after Parameters`);
  const timeout = seconds(st, 'TimeoutSeconds', eff, ctx);
  const heartbeat = seconds(st, 'HeartbeatSeconds', eff, ctx);
  const now = rt.now();
  const p: TaskPending = {
    kind: 'task',
    phase: 'invoking',
    params,
    token,
    deadline: timeout !== undefined ? now + timeout * 1000 : undefined,
    heartbeatSeconds: heartbeat,
    heartbeatDeadline: heartbeat !== undefined && token ? now + heartbeat * 1000 : undefined,
  };
  if (token) rt.store.registerToken(ex, token, t.id);
  t.pending = p;
  if (kind !== 'function') {
    rt.emit(ex, t, 'TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: kind,
        region: rt.opts.region,
        parameters: JSON.stringify(params),
        ...(timeout !== undefined ? { timeoutInSeconds: timeout } : {}),
        ...(heartbeat !== undefined ? { heartbeatInSeconds: heartbeat } : {}),
      },
    });
    rt.emit(ex, t, 'TaskStarted', { taskStartedEventDetails: { resourceType: 'lambda', resource: kind } });
  } else {
    rt.emit(ex, t, 'LambdaFunctionScheduled', {
      lambdaFunctionScheduledEventDetails: {
        resource: st.Resource,
        input: JSON.stringify(params),
        inputDetails: { truncated: false },
        ...(timeout !== undefined ? { timeoutInSeconds: timeout } : {}),
      },
    });
    rt.emit(ex, t, 'LambdaFunctionStarted');
  }
  rt.persist(ex);
  return p;
}

export async function runTask(rt: Runtime, step: Step): Promise<StepResult> {
  const { ex, t, st, scope } = step;
  const resource = st.Resource ?? '';
  const kind: Kind = LAMBDA_INVOKE.test(resource)
    ? 'invoke'
    : LAMBDA_INVOKE_TOKEN.test(resource)
      ? 'invoke.waitForTaskToken'
      : 'function';
  const integration = kind !== 'function';
  const p = t.pending?.kind === 'task' ? t.pending : schedule(rt, step, kind);

  let fnArn: string;
  let payload: Json;
  if (integration) {
    const params = p.params;
    if (!isObject(params) || typeof params.FunctionName !== 'string') {
      throw runtimeError(`Task state '${t.state}': Parameters.FunctionName is required for ${resource}`);
    }
    fnArn = functionArn(rt.opts.region, rt.opts.accountId, params.FunctionName, params.Qualifier);
    payload = params.Payload === undefined ? {} : params.Payload;
  } else {
    fnArn = resource;
    payload = p.params;
  }

  let invocation: Promise<void> | undefined;
  let settled: Settled | undefined;
  for (;;) {
    rt.live(ex, scope);
    const now = rt.now();
    if (p.outcome) break;
    if (p.deadline !== undefined && now >= p.deadline) {
      p.outcome = { ok: false, error: TIMEOUT, cause: `Task '${t.state}' timed out.` };
      break;
    }
    if (p.heartbeatDeadline !== undefined && now >= p.heartbeatDeadline) {
      p.outcome = { ok: false, error: HEARTBEAT_TIMEOUT, cause: `Task '${t.state}' missed its heartbeat.` };
      break;
    }
    if (p.phase === 'invoking') {
      if (!invocation) {
        invocation = invoke(rt.opts.invokeLambda, fnArn, payload).then((s) => {
          settled = s;
        });
      }
      await rt.suspend(ex, t, scope, invocation);
      const s = settled as Settled | undefined;
      if (!s) continue;
      if (!s.ok) {
        if (!p.outcome) p.outcome = s;
      } else if (p.token) {
        p.phase = 'waiting';
        rt.emit(ex, t, 'TaskSubmitted', {
          taskSubmittedEventDetails: {
            resourceType: 'lambda',
            resource: kind,
            output: JSON.stringify(invokeResult(s.value)),
            outputDetails: { truncated: false },
          },
        });
        rt.persist(ex);
      } else if (!p.outcome) {
        p.outcome = { ok: true, output: integration ? invokeResult(s.value) : s.value };
      }
      continue;
    }
    await rt.suspend(ex, t, scope);
  }

  const outcome = withinQuota(p.outcome, t.state, kind);
  if (p.token) rt.store.closeToken(ex, p.token);
  t.pending = undefined;
  record(rt, step, kind, outcome);
  rt.persist(ex);
  if (!outcome.ok) return { kind: 'fail', error: outcome.error, cause: outcome.cause };
  return rt.transition(st, rt.finishOutput(ex, t, st, outcome.output));
}

/** A task result over the payload quota fails the task with States.DataLimitExceeded. */
function withinQuota(outcome: Outcome, state: string, kind: Kind): Outcome {
  if (!outcome.ok) return outcome;
  try {
    checkPayload(outcome.output, `The result of task '${state}' (lambda:${kind})`);
    return outcome;
  } catch (e) {
    if (!(e instanceof StatesError)) throw e;
    return { ok: false, error: e.error, cause: e.causeText };
  }
}

/** Records how the task ended in the history, as the integration or the Lambda ARN resource does. */
function record(rt: Runtime, { ex, t }: Step, kind: Kind, outcome: Outcome): void {
  const integration = kind !== 'function';
  if (outcome.ok) {
    const output = JSON.stringify(outcome.output);
    if (integration) {
      rt.emit(ex, t, 'TaskSucceeded', {
        taskSucceededEventDetails: {
          resourceType: 'lambda',
          resource: kind,
          output,
          outputDetails: { truncated: false },
        },
      });
    } else {
      rt.emit(ex, t, 'LambdaFunctionSucceeded', {
        lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } },
      });
    }
    return;
  }
  const timedOut = outcome.error === TIMEOUT || outcome.error === HEARTBEAT_TIMEOUT;
  const details = { error: outcome.error, cause: outcome.cause };
  if (integration) {
    const key = timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails';
    rt.emit(ex, t, timedOut ? 'TaskTimedOut' : 'TaskFailed', {
      [key]: { resourceType: 'lambda', resource: kind, ...details },
    });
  } else {
    const key = timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails';
    rt.emit(ex, t, timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed', { [key]: details });
  }
}
