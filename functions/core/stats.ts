import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { isoDate, monthsBetween, nextDay } from './disposal.ts';
import { lazySchema } from './lazy-schema.ts';
import type { RecordChange } from './record-change.ts';
import type { Scheme } from './scheme.ts';

/**
 * The dashboard's figures (`GET /stats`). Each is obtained so that its cost follows the work
 * done, never the size of the archive:
 *
 * - documents per business event (the class of the archive code, 机构(问题)代码), per document
 *   type and per archive year, and the completeness of submissions: counters the `stats-counter`
 *   function keeps from the records table's stream, one update per counter item and stream batch (a
 *   batch of a hundred changes adds to each counter item once), read back with one Query;
 * - tasks waiting and their age: the open-task index (one partition per role), keys only;
 * - loans overdue: the partition of loans with something still out, keys only, up to now;
 * - documents due for disposal: counters of the documents filed in the due-date index per due day,
 *   kept by the same consumer from the index entry each document change adds, moves or removes
 *   (archived with a known due day, held or released, re-dated, taken by a disposal batch or
 *   given back, destroyed), one item per due month: the window's few months read with one Query
 *   per shard, whatever the number of documents due.
 *
 * Completeness (资料齐全) of a business event: of the submissions validated for the first time
 * (their first attempt), the share whose first validation found every document type the scheme
 * requires for the event present (no submission-level integrity problem). `passedChecks` counts
 * those whose first validation passed all four checks; `rejections` counts every rejection (any
 * attempt, by the checks, a reviewer or a timeout); `archived` the submissions archived.
 */

export const COMPLETENESS_DEFINITION =
  'completeRate = complete / firstSubmissions: of the submissions validated on their first attempt, ' +
  'the share whose first validation found every document type the scheme requires for the business ' +
  'event present. passedChecks: first validations that passed all four checks. rejections: every ' +
  'rejection, any attempt. archived: submissions archived.';

// ---- Counters from the records table's stream ---------------------------------------------------

/** A change of a records table item: its kind of record and images (core/record-change.ts). */
export type CountedChange = Pick<
  RecordChange,
  'kind' | 'record' | 'newImage' | 'oldImage' | 'sequence' | 'dueFiled'
>;

/**
 * A counter item: the documents or the intake figures of one year (`documents:2026`), or the
 * documents filed in the due-date index per day of one due month (`due:2026-12`).
 */
export type CounterName = `${'documents' | 'intake'}:${number}` | `due:${string}`;

/** A counter item as read back, its attributes as stored. */
export interface StoredCounter {
  counter: CounterName;
  attrs: Record<string, unknown>;
}

const counter = (kind: 'documents' | 'intake', year: number): CounterName => `${kind}:${year}`;
const dueCounter = (day: string): CounterName => `due:${day.slice(0, 7)}`;
/** The attribute of a due day in its month's counter item: `D#05` for the fifth. */
const dueDayAttr = (day: string): string => `D#${day.slice(8, 10)}`;
const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const yearOfCounter = (name: CounterName): number => Number(name.slice(name.indexOf(':') + 1));

/**
 * Counter attributes, per counter item (`documents:<year>`, `intake:<year>`):
 * - documents: `E#<event>` and `T#<docType>` documents held (archived, not disposed of) of that
 *   archive year; `X#<event>` documents of that year disposed of;
 * - intake: `F#<event>` first validations, `C#<event>` of them complete, `V#<event>` of them valid,
 *   `R#<event>` rejections, `A#<event>` submissions archived, in the year the event happened;
 * - due (`due:<yyyy-mm>`): `D#<dd>` documents filed in the due-date index under that day.
 */
export type CounterDeltas = Map<CounterName, Map<string, number>>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The UTC year of an ISO time, or undefined. */
export function yearOf(iso: unknown): number | undefined {
  const s = str(iso);
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t).getUTCFullYear();
}

/** Counter names are attribute names: codes of the scheme only, nothing a client wrote freely. */
const CODE = /^[A-Z][A-Z0-9]{0,11}$/;

function add(deltas: CounterDeltas, item: CounterName, attr: string, n: number): void {
  let m = deltas.get(item);
  if (!m) {
    m = new Map();
    deltas.set(item, m);
  }
  const next = (m.get(attr) ?? 0) + n;
  if (next === 0) m.delete(attr);
  else m.set(attr, next);
  if (m.size === 0) deltas.delete(item);
}

/** A problem of the submission as a whole (not of one document) in the integrity check. */
interface ProblemLike {
  check?: unknown;
  documentId?: unknown;
}

/** True when the checks found every required document of the event present (资料齐全). */
export function requiredDocumentsPresent(problems: unknown): boolean {
  if (!Array.isArray(problems)) return true;
  return !problems.some((p: ProblemLike) => p?.check === 'integrity' && p.documentId === undefined);
}

function countDocument(deltas: CounterDeltas, c: CountedChange): void {
  const before = c.oldImage ?? {};
  const after = c.newImage ?? {};
  const was = str(before.status);
  const is = str(after.status);
  if (was === is) return;
  const doc = is === 'ARCHIVED' ? after : before;
  const event = str(doc.businessEvent);
  const type = str(doc.docType);
  const year = yearOf(doc.codeAssignedAt ?? doc.archivedAt);
  if (!event || !type || year === undefined || !CODE.test(event) || !CODE.test(type)) return;
  const item = counter('documents', year);
  if (is === 'ARCHIVED' && was !== 'ARCHIVED') {
    add(deltas, item, `E#${event}`, 1);
    add(deltas, item, `T#${type}`, 1);
  } else if (was === 'ARCHIVED' && is === 'DISPOSED') {
    add(deltas, item, `E#${event}`, -1);
    add(deltas, item, `T#${type}`, -1);
    add(deltas, item, `X#${event}`, 1);
  }
}

/**
 * A document filed in the due-date index counts on its due day: a change that files it, moves it
 * to another day or takes it out moves one from the old day to the new. Exactly the documents
 * the index holds, so exactly what counting the index would find (held documents, those in a
 * disposal batch and those without a known due day are not filed).
 */
function countDue(deltas: CounterDeltas, c: CountedChange): void {
  const before = c.dueFiled?.before;
  const after = c.dueFiled?.after;
  if (before === after) return;
  if (before && DAY.test(before)) add(deltas, dueCounter(before), dueDayAttr(before), -1);
  if (after && DAY.test(after)) add(deltas, dueCounter(after), dueDayAttr(after), 1);
}

function countSubmission(deltas: CounterDeltas, c: CountedChange): void {
  const before = c.oldImage ?? {};
  const after = c.newImage ?? {};
  const event = str(after.businessEvent);
  if (!event || !CODE.test(event)) return;
  // The first validation of the first attempt: `valid` appears (a resubmission removes it first,
  // a repeated run of the same validation finds it there already).
  if (after.attempt === 1 && typeof after.valid === 'boolean' && before.valid === undefined) {
    const year = yearOf(after.validatedAt);
    if (year !== undefined) {
      const item = counter('intake', year);
      add(deltas, item, `F#${event}`, 1);
      if (requiredDocumentsPresent(after.problems)) add(deltas, item, `C#${event}`, 1);
      if (after.valid) add(deltas, item, `V#${event}`, 1);
    }
  }
  const was = str(before.status);
  const is = str(after.status);
  if (is === was) return;
  if (is === 'REJECTED') {
    const rejection = after.rejection as { at?: unknown } | undefined;
    const year = yearOf(rejection?.at ?? after.updatedAt);
    if (year !== undefined) add(deltas, counter('intake', year), `R#${event}`, 1);
  } else if (is === 'ARCHIVED') {
    const year = yearOf(after.archivedAt ?? after.updatedAt);
    if (year !== undefined) add(deltas, counter('intake', year), `A#${event}`, 1);
  }
}

/**
 * What a batch of records table changes adds to the counters, summed per counter item. Changes
 * of other items, and changes that move no counter, add nothing.
 */
export function counterDeltas(changes: readonly CountedChange[]): CounterDeltas {
  const deltas: CounterDeltas = new Map();
  for (const c of changes) {
    if (c.record === 'document') {
      countDocument(deltas, c);
      countDue(deltas, c);
    } else if (c.record === 'submission') countSubmission(deltas, c);
  }
  return deltas;
}

/**
 * The identity of a stream batch: a hash of its records' sequence numbers. A batch delivered
 * again (the consumer failed after its write) has the same identity, so it is counted once.
 */
export function batchIdentity(changes: readonly Pick<CountedChange, 'sequence'>[]): string {
  const h = createHash('sha256');
  for (const c of changes) h.update(`${c.sequence}\n`);
  return h.digest('hex').slice(0, 32);
}

// ---- The query ---------------------------------------------------------------------------------

export const statsQuerySchema = lazySchema(() =>
  z.strictObject({
    /** Only counters of this year (archive year of documents, year of intake events). */
    year: z.optional(
      z
        .pipe(
          z.string().check(z.regex(/^\d{4}$/, 'year must be four digits, e.g. 2026')),
          z.transform(Number),
        )
        .check(z.refine((y) => y >= 1900 && y <= 2999, 'year must be between 1900 and 2999')),
    ),
    /** Documents due for disposal within this many days from today (default 90). */
    dueWithinDays: z.optional(
      z
        .pipe(
          z
            .string()
            .check(z.regex(/^\d{1,3}$/, 'dueWithinDays must be a whole number of days from 1 to 366')),
          z.transform(Number),
        )
        .check(z.refine((d) => d >= 1 && d <= 366, 'dueWithinDays must be from 1 to 366')),
    ),
  }),
);

export type StatsQuery = z.infer<typeof statsQuerySchema>;

export const DEFAULT_DUE_WITHIN_DAYS = 90;

/** The days (inclusive) and month partitions of the due-date index a "due within" count reads. */
export function dueWindow(
  today: string,
  withinDays: number,
  sweptThrough?: string,
): { from: string; through: string; months: string[] } {
  // Documents due before today that no sweep has taken yet are due too.
  const from = sweptThrough !== undefined && sweptThrough < today ? nextDay(sweptThrough) : today;
  const end = new Date(`${today}T00:00:00.000Z`);
  end.setUTCDate(end.getUTCDate() + withinDays);
  const through = isoDate(end);
  return { from, through, months: monthsBetween(from, through) };
}

/** The due counters of one month as read back, the shards summed: documents per `D#<dd>`. */
export interface StoredDueMonth {
  month: string;
  attrs: Record<string, unknown>;
}

/** Documents due per month of the window, from the due counters, days outside the window left out. */
export function dueByMonth(
  window: { from: string; through: string; months: readonly string[] },
  stored: readonly StoredDueMonth[],
): { month: string; count: number }[] {
  return window.months.map((month) => {
    let count = 0;
    for (const item of stored.filter((s) => s.month === month)) {
      for (const [attr, n] of Object.entries(item.attrs)) {
        const m = /^D#(\d{2})$/.exec(attr);
        const day = m ? `${month}-${m[1]}` : undefined;
        // A day below zero means documents filed before the counters existed and not yet
        // counted by the backfill (scripts/recount-due.ts): it counts as none, never less.
        if (day && day >= window.from && day <= window.through) count += Math.max(0, num(n));
      }
    }
    return { month, count };
  });
}

/** Age bands of waiting tasks. */
export const AGE_BANDS = [
  { band: 'under1d', maxHours: 24 },
  { band: '1to3d', maxHours: 72 },
  { band: '3to7d', maxHours: 168 },
  { band: 'over7d', maxHours: Number.POSITIVE_INFINITY },
] as const;
export type AgeBand = (typeof AGE_BANDS)[number]['band'];

export const ageBand = (hours: number): AgeBand =>
  AGE_BANDS.find((b) => hours < b.maxHours)?.band ?? 'over7d';

export interface StatsInputs {
  scheme: Scheme;
  now: Date;
  year?: number;
  /** Counter items, their attributes as stored. */
  counters: readonly StoredCounter[];
  /** Creation times of open tasks, per role the tasks are assigned to. */
  openTasks: Readonly<Record<string, readonly string[]>>;
  /** Due times of loans with something still out and due before now. */
  overdueLoanDueTimes: readonly string[];
  due: {
    withinDays: number;
    from: string;
    through: string;
    byMonth: readonly { month: string; count: number }[];
  };
}

const hoursBetween = (from: string, to: Date) => Math.max(0, (to.getTime() - Date.parse(from)) / 3_600_000);
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The `GET /stats` answer from what the adapter read. */
export function statsView(input: StatsInputs) {
  const { scheme, now, year } = input;
  const counters = input.counters.filter((c) => year === undefined || yearOfCounter(c.counter) === year);

  // Documents per business event, type and year.
  const docYears = counters
    .filter((c) => c.counter.startsWith('documents:'))
    .map((c) => {
      const byEvent: Record<string, number> = {};
      const byType: Record<string, number> = {};
      const disposedByEvent: Record<string, number> = {};
      for (const [k, v] of Object.entries(c.attrs)) {
        const n = num(v);
        if (k.startsWith('E#')) byEvent[k.slice(2)] = n;
        else if (k.startsWith('T#')) byType[k.slice(2)] = n;
        else if (k.startsWith('X#')) disposedByEvent[k.slice(2)] = n;
      }
      const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
      return {
        year: yearOfCounter(c.counter),
        held: sum(byEvent),
        disposed: sum(disposedByEvent),
        byEvent,
        byType,
        disposedByEvent,
      };
    })
    .sort((a, b) => a.year - b.year);

  // Completeness per business event, over the years read.
  const intake = new Map<string, { F: number; C: number; V: number; R: number; A: number }>();
  for (const c of counters.filter((x) => x.counter.startsWith('intake:'))) {
    for (const [k, v] of Object.entries(c.attrs)) {
      const m = /^([FCVRA])#(.+)$/.exec(k);
      if (!m) continue;
      const letter = m[1] as 'F' | 'C' | 'V' | 'R' | 'A';
      const event = m[2] as string;
      const row = intake.get(event) ?? { F: 0, C: 0, V: 0, R: 0, A: 0 };
      row[letter] += num(v);
      intake.set(event, row);
    }
  }
  const eventCodes = [
    ...scheme.businessEvents.map((e) => e.code),
    ...[...intake.keys()].filter((k) => !scheme.businessEvents.some((e) => e.code === k)),
  ];
  const completeness = eventCodes.map((code) => {
    const r = intake.get(code) ?? { F: 0, C: 0, V: 0, R: 0, A: 0 };
    const def = scheme.businessEvents.find((e) => e.code === code);
    return {
      businessEvent: code,
      ...(def ? { name: def.name, classCode: def.classCode } : {}),
      firstSubmissions: r.F,
      complete: r.C,
      completeRate: r.F === 0 ? null : Math.round((r.C / r.F) * 1000) / 1000,
      passedChecks: r.V,
      rejections: r.R,
      archived: r.A,
    };
  });

  // Tasks waiting and their age.
  const bands = (): Record<AgeBand, number> => ({ under1d: 0, '1to3d': 0, '3to7d': 0, over7d: 0 });
  const all = bands();
  let oldest: string | undefined;
  const byRole = Object.entries(input.openTasks)
    .map(([role, created]) => {
      const b = bands();
      let roleOldest: string | undefined;
      for (const at of created) {
        const band = ageBand(hoursBetween(at, now));
        b[band]++;
        all[band]++;
        if (roleOldest === undefined || at < roleOldest) roleOldest = at;
      }
      if (roleOldest !== undefined && (oldest === undefined || roleOldest < oldest)) oldest = roleOldest;
      return {
        role,
        waiting: created.length,
        ...(roleOldest
          ? { oldestCreatedAt: roleOldest, oldestAgeHours: round1(hoursBetween(roleOldest, now)) }
          : {}),
        ageBands: b,
      };
    })
    .sort((a, b) => a.role.localeCompare(b.role));
  const waiting = byRole.reduce((n, r) => n + r.waiting, 0);

  // Loans overdue.
  const loanDue = [...input.overdueLoanDueTimes].sort();
  const firstDue = loanDue[0];

  const dueCount = input.due.byMonth.reduce((n, m) => n + m.count, 0);
  return {
    asOf: now.toISOString(),
    scheme: { id: scheme.id, category: scheme.category },
    ...(year === undefined ? {} : { year }),
    documents: {
      held: docYears.reduce((n, y) => n + y.held, 0),
      disposed: docYears.reduce((n, y) => n + y.disposed, 0),
      years: docYears,
    },
    completeness: { definition: COMPLETENESS_DEFINITION, byEvent: completeness },
    tasks: {
      waiting,
      ...(oldest ? { oldestCreatedAt: oldest, oldestAgeHours: round1(hoursBetween(oldest, now)) } : {}),
      ageBands: all,
      byRole,
    },
    loans: {
      overdue: loanDue.length,
      ...(firstDue
        ? { longestOverdueDueAt: firstDue, longestOverdueDays: round1(hoursBetween(firstDue, now) / 24) }
        : {}),
    },
    disposal: {
      dueWithinDays: input.due.withinDays,
      from: input.due.from,
      through: input.due.through,
      due: dueCount,
      byMonth: input.due.byMonth,
    },
  };
}

export type StatsView = ReturnType<typeof statsView>;
