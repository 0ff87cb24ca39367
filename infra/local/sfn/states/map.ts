/**
 * The inline Map state: one child thread per item (ItemsPath, ItemSelector with `$$.Map.Item`),
 * at most MaxConcurrency at a time; the first iteration that fails cancels the others and fails
 * the Map. Finished iterations are kept, so a restart resumes only the unfinished ones.
 */
import type { Branch } from '../asl.ts';
import { applyTemplate, selectPath } from '../dataflow.ts';
import { checkPayload, runtimeError, stateError } from '../errors.ts';
import { type Json, queryPath } from '../jsonpath.ts';
import type { Runtime } from '../runtime.ts';
import {
  type Exec,
  Halt,
  type Outcome,
  Scope,
  type Step,
  type StepResult,
  type ThreadRec,
} from '../types.ts';

export async function runMap(rt: Runtime, { ex, t, st, scope }: Step): Promise<StepResult> {
  const proc = st.ItemProcessor as Branch;
  if (!t.children) {
    const ctx = rt.context(ex, t);
    const eff = selectPath(st.InputPath, t.input, ctx);
    const items = st.ItemsPath !== undefined ? queryPath(st.ItemsPath, eff, ctx) : eff;
    if (!Array.isArray(items)) {
      throw runtimeError(
        `Map state '${t.state}': ItemsPath must select an array, got ${JSON.stringify(items)}`,
      );
    }
    const inputs = items.map((value, index) => {
      if (st.ItemSelector === undefined) return value;
      const itemCtx = rt.context(ex, t, { Map: { Item: { Index: index, Value: value } } });
      const input = applyTemplate(st.ItemSelector, eff, itemCtx);
      checkPayload(input, `The input of iteration ${index} of Map state '${t.state}'`);
      return input;
    });
    const startedId = rt.emit(ex, t, 'MapStateStarted', {
      mapStateStartedEventDetails: { length: items.length },
    });
    t.children = inputs.map((input) => rt.newThread(ex, proc.StartAt, input, startedId));
    rt.persist(ex);
  }
  const outcome = await runIterations(rt, ex, scope, t.children, proc, st.MaxConcurrency ?? 0, t.state);
  if (!outcome.ok) {
    rt.emit(ex, t, 'MapStateFailed');
    return { kind: 'fail', error: outcome.error, cause: outcome.cause };
  }
  rt.emit(ex, t, 'MapStateSucceeded');
  return rt.transition(st, rt.finishOutput(ex, t, st, outcome.output));
}

/** Runs the iterations, at most `limit` at once (0: no limit); the first failure cancels the others. */
async function runIterations(
  rt: Runtime,
  ex: Exec,
  scope: Scope,
  threads: ThreadRec[],
  proc: Branch,
  limit: number,
  stateName: string,
): Promise<Outcome> {
  const childScope = new Scope(scope);
  const n = threads.length;
  const results: Json[] = new Array<Json>(n).fill(null);
  rt.scheduler.leave();
  try {
    const outcome = await new Promise<Outcome | Halt>((resolve) => {
      let next = 0;
      let running = 0;
      let completed = 0;
      let finished = false;
      const finish = (o: Outcome | Halt) => {
        if (finished) return;
        finished = true;
        if (!(o instanceof Halt) && !o.ok) {
          childScope.cancelled = true;
          for (const thread of threads) rt.closeTokens(ex, thread);
          rt.scheduler.wakeExecution(ex);
        }
        resolve(o);
      };
      const iterEvent = (thread: ThreadRec, type: string, index: number) => {
        const key = `mapIteration${type.slice('MapIteration'.length)}EventDetails`;
        rt.emit(ex, thread, type, { [key]: { name: stateName, index } });
      };
      const launch = () => {
        while (!finished && next < n && (limit <= 0 || running < limit)) {
          const i = next++;
          const thread = threads[i] as ThreadRec;
          if (thread.done) {
            if (!thread.done.ok) return finish(thread.done);
            results[i] = thread.done.output;
            completed++;
            continue;
          }
          if (!thread.started) {
            thread.started = true;
            iterEvent(thread, 'MapIterationStarted', i);
          }
          running++;
          rt.runThread(ex, proc, thread, childScope).then(
            (o) => {
              running--;
              if (finished) return;
              if (!rt.alive(ex, childScope)) return finish(new Halt());
              iterEvent(thread, o.ok ? 'MapIterationSucceeded' : 'MapIterationFailed', i);
              if (!o.ok) return finish(o);
              results[i] = o.output;
              completed++;
              rt.persist(ex);
              launch();
            },
            (e: unknown) => {
              running--;
              finish(e instanceof Halt ? e : { ok: false, ...stateError(e) });
            },
          );
        }
        if (!finished && completed === n) finish({ ok: true, output: results });
      };
      launch();
    });
    if (outcome instanceof Halt) throw outcome;
    return outcome;
  } finally {
    rt.scheduler.enter();
    rt.live(ex, scope);
  }
}
