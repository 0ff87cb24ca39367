/** The Pass state: Result, or Parameters applied to the effective input, placed by ResultPath. */
import { applyResultPath, applyTemplate, selectPath } from '../dataflow.ts';
import type { Runtime } from '../runtime.ts';
import type { Step, StepResult } from '../types.ts';

export function runPass(rt: Runtime, { ex, t, st }: Step): StepResult {
  const ctx = rt.context(ex, t);
  const eff = selectPath(st.InputPath, t.input, ctx);
  const result =
    st.Result !== undefined
      ? st.Result
      : st.Parameters !== undefined
        ? applyTemplate(st.Parameters, eff, ctx)
        : eff;
  return rt.transition(st, selectPath(st.OutputPath, applyResultPath(st.ResultPath, t.input, result), ctx));
}
