/**
 * The local stand-in for EventBridge schedules: jobs fire on the same schedule expressions the
 * stack uses, `rate(value unit)` and `cron(minutes hours day-of-month month day-of-week year)`,
 * evaluated in UTC with EventBridge's rules (one of day-of-month and day-of-week is `?`;
 * `L`, `W` and `#`; month and weekday names; weekdays 1–7 from Sunday). Like EventBridge, a
 * fire missed while the machine was off is not made up.
 */

export class ScheduleExpressionError extends Error {
  constructor(expression: string, reason: string) {
    super(`invalid schedule expression ${JSON.stringify(expression)}: ${reason}`);
    this.name = 'ScheduleExpressionError';
  }
}

export interface Schedule {
  expression: string;
  /** The first fire strictly after `after`. Undefined when the schedule never fires again. */
  next(after: Date): Date | undefined;
}

// ---------------------------------------------------------------------------------------------
// rate()

const RATE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `rate(5 minutes)`: fires every period, counted from `anchor` (when the schedule was created). */
export function parseRate(expression: string, anchor: Date): Schedule {
  const m = /^rate\((\d+) +([a-z]+)\)$/.exec(expression.trim());
  if (!m) throw new ScheduleExpressionError(expression, 'expected rate(<value> <unit>)');
  const value = Number(m[1]);
  const unit = m[2] ?? '';
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ScheduleExpressionError(expression, 'the value must be a positive integer');
  }
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  const ms = RATE_UNITS[singular];
  if (ms === undefined) throw new ScheduleExpressionError(expression, `unknown unit ${unit}`);
  if (value === 1 && unit !== singular) {
    throw new ScheduleExpressionError(expression, `a value of 1 takes the singular unit ${singular}`);
  }
  if (value > 1 && unit === singular) {
    throw new ScheduleExpressionError(expression, `a value above 1 takes the plural unit ${singular}s`);
  }
  const period = value * ms;
  const start = anchor.getTime();
  return {
    expression,
    next(after) {
      const t = after.getTime();
      if (t < start) return new Date(start + period);
      const k = Math.floor((t - start) / period) + 1;
      return new Date(start + k * period);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// cron()

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Name index 0 maps to this value. */
  nameBase?: number;
}

const MINUTE: FieldSpec = { label: 'minutes', min: 0, max: 59 };
const HOUR: FieldSpec = { label: 'hours', min: 0, max: 23 };
const DOM: FieldSpec = { label: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { label: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 };
const DOW: FieldSpec = { label: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, nameBase: 1 };
const YEAR: FieldSpec = { label: 'year', min: MIN_YEAR, max: MAX_YEAR };

function fieldValue(expression: string, spec: FieldSpec, token: string): number {
  const upper = token.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(token))
    throw new ScheduleExpressionError(expression, `${spec.label}: bad value ${token}`);
  const n = Number(token);
  if (n < spec.min || n > spec.max) {
    throw new ScheduleExpressionError(expression, `${spec.label}: ${n} is outside ${spec.min}-${spec.max}`);
  }
  return n;
}

/** Parses the `, - * /` grammar shared by every field into the set of values it allows. */
function parseSet(expression: string, spec: FieldSpec, field: string): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    if (part === '') throw new ScheduleExpressionError(expression, `${spec.label}: empty list item`);
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined) {
      throw new ScheduleExpressionError(expression, `${spec.label}: bad step in ${part}`);
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
        throw new ScheduleExpressionError(expression, `${spec.label}: bad step ${stepText}`);
      }
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = spec.min;
      hi = spec.max;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (a === undefined || b === undefined || more !== undefined) {
        throw new ScheduleExpressionError(expression, `${spec.label}: bad range ${range}`);
      }
      lo = fieldValue(expression, spec, a);
      hi = fieldValue(expression, spec, b);
      if (hi < lo)
        throw new ScheduleExpressionError(expression, `${spec.label}: range ${range} runs backwards`);
    } else {
      lo = fieldValue(expression, spec, range);
      // `5/15` means from 5 to the end in steps of 15.
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

type DayRule = (year: number, month: number, day: number) => boolean;

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 = Sunday … 7 = Saturday, as EventBridge counts. */
const weekday = (year: number, month: number, day: number): number =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

function nearestWeekday(year: number, month: number, target: number): number {
  const last = daysInMonth(year, month);
  const d = Math.min(target, last);
  const wd = weekday(year, month, d);
  if (wd === 7) return d === 1 ? 3 : d - 1; // Saturday: Friday before, or Monday after the 1st
  if (wd === 1) return d === last ? d - 2 : d + 1; // Sunday: Monday after, or Friday before the last
  return d;
}

function parseDayOfMonth(expression: string, field: string): DayRule {
  if (field === '*') return () => true;
  if (field === 'L') return (y, m, d) => d === daysInMonth(y, m);
  if (field === 'LW') {
    return (y, m, d) => d === nearestWeekday(y, m, daysInMonth(y, m));
  }
  const w = /^(\d+)W$/.exec(field);
  if (w) {
    const target = fieldValue(expression, DOM, w[1] ?? '');
    return (y, m, d) => d === nearestWeekday(y, m, target);
  }
  if (/[LW#]/.test(field)) throw new ScheduleExpressionError(expression, `day-of-month: bad value ${field}`);
  const set = parseSet(expression, DOM, field);
  return (_y, _m, d) => set.has(d);
}

function parseDayOfWeek(expression: string, field: string): DayRule {
  if (field === '*') return () => true;
  if (field === 'L') return (y, m, d) => weekday(y, m, d) === 7;
  const last = /^([A-Za-z]{3}|\d)L$/.exec(field);
  if (last) {
    const wd = fieldValue(expression, DOW, last[1] ?? '');
    return (y, m, d) => weekday(y, m, d) === wd && d + 7 > daysInMonth(y, m);
  }
  const nth = /^([A-Za-z]{3}|\d)#(\d)$/.exec(field);
  if (nth) {
    const wd = fieldValue(expression, DOW, nth[1] ?? '');
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new ScheduleExpressionError(expression, `day-of-week: #${n} is outside 1-5`);
    return (y, m, d) => weekday(y, m, d) === wd && Math.ceil(d / 7) === n;
  }
  if (/[LW#]/.test(field)) throw new ScheduleExpressionError(expression, `day-of-week: bad value ${field}`);
  const set = parseSet(expression, DOW, field);
  return (y, m, d) => set.has(weekday(y, m, d));
}

export interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  months: Set<number>;
  years: Set<number>;
  day: DayRule;
}

export function parseCronFields(expression: string): CronFields {
  const m = /^cron\((.*)\)$/.exec(expression.trim());
  if (!m) throw new ScheduleExpressionError(expression, 'expected cron(<six fields>)');
  const fields = (m[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(expression, `expected 6 fields, found ${fields.length}`);
  }
  const [minF, hourF, domF, monF, dowF, yearF] = fields as [string, string, string, string, string, string];
  if ((domF === '?') === (dowF === '?')) {
    throw new ScheduleExpressionError(expression, 'exactly one of day-of-month and day-of-week must be ?');
  }
  return {
    minutes: parseSet(expression, MINUTE, minF),
    hours: parseSet(expression, HOUR, hourF),
    months: parseSet(expression, MONTH, monF),
    years: parseSet(expression, YEAR, yearF),
    day: domF === '?' ? parseDayOfWeek(expression, dowF) : parseDayOfMonth(expression, domF),
  };
}

const sorted = (set: Set<number>): number[] => [...set].sort((a, b) => a - b);

export function parseCron(expression: string): Schedule {
  const f = parseCronFields(expression);
  const minutes = sorted(f.minutes);
  const hours = sorted(f.hours);
  return {
    expression,
    next(after) {
      // Whole minutes strictly after `after`.
      const start = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
      const y0 = start.getUTCFullYear();
      for (let y = y0; y <= MAX_YEAR; y++) {
        if (!f.years.has(y)) continue;
        for (let mo = y === y0 ? start.getUTCMonth() + 1 : 1; mo <= 12; mo++) {
          if (!f.months.has(mo)) continue;
          const firstMonth = y === y0 && mo === start.getUTCMonth() + 1;
          const dim = daysInMonth(y, mo);
          for (let d = firstMonth ? start.getUTCDate() : 1; d <= dim; d++) {
            if (!f.day(y, mo, d)) continue;
            const firstDay = firstMonth && d === start.getUTCDate();
            for (const h of hours) {
              if (firstDay && h < start.getUTCHours()) continue;
              const firstHour = firstDay && h === start.getUTCHours();
              for (const mi of minutes) {
                if (firstHour && mi < start.getUTCMinutes()) continue;
                return new Date(Date.UTC(y, mo - 1, d, h, mi));
              }
            }
          }
        }
      }
      return undefined;
    },
  };
}

/** Parses either form of schedule expression. `anchor` starts the clock of a rate. */
export function parseSchedule(expression: string, anchor: Date = new Date()): Schedule {
  const e = expression.trim();
  if (e.startsWith('rate(')) return parseRate(e, anchor);
  if (e.startsWith('cron(')) return parseCron(e);
  throw new ScheduleExpressionError(expression, 'expected rate(...) or cron(...)');
}

// ---------------------------------------------------------------------------------------------
// The scheduler

export interface ScheduledJob {
  name: string;
  expression: string;
  /** Receives the scheduled time of the fire. */
  run(scheduledAt: Date): Promise<void> | void;
}

export interface SchedulerOptions {
  now?: () => Date;
  onFire?: (name: string, scheduledAt: Date) => void;
  onError?: (name: string, err: unknown) => void;
}

/** Longest delay setTimeout accepts; longer waits re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

interface Entry {
  job: ScheduledJob;
  schedule: Schedule;
  next: Date | undefined;
  timer?: NodeJS.Timeout;
}

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Set<Promise<void>>();
  private started = false;

  constructor(private readonly options: SchedulerOptions = {}) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Adds a job; its expression is validated here, so a bad one fails at start-up. */
  register(job: ScheduledJob): void {
    if (this.entries.has(job.name)) throw new Error(`a job named ${job.name} is already registered`);
    const now = this.now();
    const schedule = parseSchedule(job.expression, now);
    const entry: Entry = { job, schedule, next: schedule.next(now) };
    this.entries.set(job.name, entry);
    if (this.started) this.arm(entry);
  }

  /** Each job's next fire time. */
  upcoming(): { name: string; expression: string; next: Date | undefined }[] {
    return [...this.entries.values()].map((e) => ({
      name: e.job.name,
      expression: e.job.expression,
      next: e.next,
    }));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const e of this.entries.values()) this.arm(e);
  }

  private arm(entry: Entry): void {
    clearTimeout(entry.timer);
    const next = entry.next;
    if (!this.started || next === undefined) return;
    const delay = Math.min(Math.max(0, next.getTime() - this.now().getTime()), MAX_TIMER_MS);
    entry.timer = setTimeout(() => this.wake(entry), delay);
    entry.timer.unref();
  }

  private wake(entry: Entry): void {
    const next = entry.next;
    if (!this.started || next === undefined) return;
    const now = this.now();
    if (now.getTime() < next.getTime()) {
      this.arm(entry); // woke early (long waits are split)
      return;
    }
    entry.next = entry.schedule.next(now);
    this.arm(entry);
    this.options.onFire?.(entry.job.name, next);
    const run = Promise.resolve()
      .then(() => entry.job.run(next))
      .catch((err: unknown) => this.options.onError?.(entry.job.name, err));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Stops firing and waits for runs in progress. */
  async stop(): Promise<void> {
    this.started = false;
    for (const e of this.entries.values()) clearTimeout(e.timer);
    await Promise.allSettled([...this.running]);
  }
}
