/** One handler per state type; the runtime dispatches on `Type`. */
import type { StateType } from '../asl.ts';
import type { Runtime } from '../runtime.ts';
import type { Step, StepResult } from '../types.ts';
import { runChoice } from './choice.ts';
import { runMap } from './map.ts';
import { runPass } from './pass.ts';
import { runTask } from './task.ts';
import { runFail, runSucceed } from './terminal.ts';
import { runWait } from './wait.ts';

export type StateHandler = (rt: Runtime, step: Step) => StepResult | Promise<StepResult>;

export const HANDLERS: Record<StateType, StateHandler> = {
  Pass: runPass,
  Task: runTask,
  Choice: runChoice,
  Wait: runWait,
  Succeed: runSucceed,
  Fail: runFail,
  Map: runMap,
};
