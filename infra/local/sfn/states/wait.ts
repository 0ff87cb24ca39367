/** The Wait state: a deadline from Seconds, SecondsPath, Timestamp or TimestampPath, kept across restarts. */
import { parseTimestamp, selectPath } from '../dataflow.ts';
import { runtimeError } from '../errors.ts';
import { queryPath } from '../jsonpath.ts';
import type { Runtime } from '../runtime.ts';
import type { Step, StepResult } from '../types.ts';

export async function runWait(rt: Runtime, { ex, t, st, scope }: Step): Promise<StepResult> {
  const ctx = rt.context(ex, t);
  const eff = selectPath(st.InputPath, t.input, ctx);
  if (t.pending?.kind !== 'wait') {
    let until: number;
    if (st.Seconds !== undefined || st.SecondsPath !== undefined) {
      const s = st.Seconds ?? queryPath(st.SecondsPath as string, eff, ctx);
      if (typeof s !== 'number' || s < 0) {
        throw runtimeError(
          `Wait state '${t.state}': seconds must be a non-negative number, got ${JSON.stringify(s)}`,
        );
      }
      until = rt.now() + s * 1000;
    } else {
      const raw = st.Timestamp ?? queryPath(st.TimestampPath as string, eff, ctx);
      const at = parseTimestamp(raw);
      if (at === undefined) {
        throw runtimeError(`Wait state '${t.state}': ${JSON.stringify(raw)} is not an RFC3339 timestamp`);
      }
      until = at;
    }
    t.pending = { kind: 'wait', until };
    rt.persist(ex);
  }
  await rt.sleepUntil(ex, t, scope, t.pending.until);
  t.pending = undefined;
  return rt.transition(st, selectPath(st.OutputPath, eff, ctx));
}
