/** The Succeed and Fail states: they end their thread (the execution, or one Map iteration). */
import { selectPath } from '../dataflow.ts';
import type { Runtime } from '../runtime.ts';
import type { Step, StepResult } from '../types.ts';

export function runSucceed(rt: Runtime, { ex, t, st }: Step): StepResult {
  const ctx = rt.context(ex, t);
  return { kind: 'end', output: selectPath(st.OutputPath, selectPath(st.InputPath, t.input, ctx), ctx) };
}

/** Fails with the state's Error and Cause; no Retry or Catch of an enclosing state sees it first. */
export function runFail(_rt: Runtime, { st }: Step): StepResult {
  return { kind: 'fail', terminal: true, error: st.Error ?? '', cause: st.Cause ?? '' };
}
