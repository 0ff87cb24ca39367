import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recountDueMonth } from '../../functions/adapters/stats-repo.ts';
import { handler as getStats } from '../../functions/api/stats-get.ts';
import { runIntakeChecks } from '../../functions/core/intake-checks.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import {
  ageBand,
  batchIdentity,
  type CountedChange,
  counterDeltas,
  dueByMonth,
  dueWindow,
  requiredDocumentsPresent,
  type StoredCounter,
  statsQuerySchema,
  statsView,
} from '../../functions/core/stats.ts';
import { handler as countStats } from '../../functions/events/stats-counter.ts';
import { useAccountSource } from '../../functions/http/account-state.ts';
import { apiEvent, besidesRefusalAudit, bodyOf, lambdaContext, USERS } from '../support/api-event.ts';
import {
  conditionFailed,
  ddbMock,
  document,
  documents,
  resetMocks,
  setEnv,
  strictMocks,
  submission,
  TABLE,
} from './intake-fixtures.ts';

const scheme = getScheme('power-supply');

const doc = (i: number, over: Record<string, unknown> = {}) => ({ ...document(i), ...over });
const docKeys = (i: number) => ({ pk: `DOCUMENT#${document(i).documentId}`, sk: 'DOCUMENT' });
const subKeys = { pk: `SUBMISSION#${submission().submissionId}`, sk: 'SUBMISSION' };
let seq = 100;
/** A change as the stream reports it (keys) and as the domain reads it (the kind of record). */
type StreamedChange = CountedChange & { keys: Record<string, unknown> };
const recordOf = (keys: Record<string, unknown>): CountedChange['record'] =>
  keys.sk === 'DOCUMENT' ? 'document' : keys.sk === 'SUBMISSION' ? 'submission' : 'other';
const change = (
  keys: Record<string, unknown>,
  oldImage: Record<string, unknown> | undefined,
  newImage: Record<string, unknown> | undefined,
): StreamedChange => ({
  kind: oldImage ? (newImage ? 'MODIFY' : 'REMOVE') : 'INSERT',
  keys,
  record: recordOf(keys),
  ...(oldImage ? { oldImage } : {}),
  ...(newImage ? { newImage } : {}),
  sequence: String(seq++),
});

const archivedAt = { codeAssignedAt: '2026-03-04T09:00:00.000Z', archivedAt: '2026-03-04T09:00:05.000Z' };
const archive = (i: number, over: Record<string, unknown> = {}) =>
  change(docKeys(i), doc(i, { status: 'UPLOADED' }), doc(i, { status: 'ARCHIVED', ...archivedAt, ...over }));

const asMap = (d: Map<string, Map<string, number>>) =>
  Object.fromEntries([...d.entries()].map(([k, v]) => [k, Object.fromEntries(v)]));

describe('counterDeltas', () => {
  it('counts documents archived per business event and type in their archive year, summed over the batch', () => {
    const d = counterDeltas([archive(0), archive(1), archive(2), archive(3)]);
    expect(asMap(d)).toEqual({
      'documents:2026': {
        'E#NEWCONN': 4,
        'T#APPFORM': 1,
        'T#IDCOPY': 1,
        'T#LANDCERT': 1,
        'T#CONTRACT': 1,
      },
    });
  });

  it('moves a disposed document from held to disposed, in the year of its archive code', () => {
    const disposed = change(
      docKeys(0),
      doc(0, { status: 'ARCHIVED', ...archivedAt }),
      doc(0, { status: 'DISPOSED', ...archivedAt, updatedAt: '2057-01-10T00:00:00.000Z' }),
    );
    expect(asMap(counterDeltas([disposed]))).toEqual({
      'documents:2026': { 'E#NEWCONN': -1, 'T#APPFORM': -1, 'X#NEWCONN': 1 },
    });
  });

  it('leaves out changes that move no counter: uploads, metadata edits, holds, other items', () => {
    const d = counterDeltas([
      change(docKeys(0), doc(0, { status: 'PENDING_UPLOAD' }), doc(0, { status: 'UPLOADED' })),
      change(
        docKeys(1),
        doc(1, { status: 'ARCHIVED', ...archivedAt }),
        doc(1, { status: 'ARCHIVED', ...archivedAt, legalHold: true }),
      ),
      change({ pk: 'TASK#t1', sk: 'TASK' }, undefined, { status: 'OPEN', businessEvent: 'NEWCONN' }),
      change(
        { pk: `DOCUMENT#${document(2).documentId}`, sk: 'V#2026' },
        undefined,
        doc(2, { status: 'ARCHIVED' }),
      ),
    ]);
    expect(d.size).toBe(0);
  });

  describe('documents due', () => {
    const filed = (i: number, before: string | undefined, after: string | undefined, over = {}) => ({
      ...change(
        docKeys(i),
        doc(i, { status: 'ARCHIVED', ...archivedAt }),
        doc(i, { status: 'ARCHIVED', ...over }),
      ),
      dueFiled: { ...(before ? { before } : {}), ...(after ? { after } : {}) },
    });

    it('counts a document archived with a known due day on that day, in its month item', () => {
      const archived = { ...archive(0), dueFiled: { after: '2037-01-01' } };
      const d = asMap(counterDeltas([archived, { ...archive(1), dueFiled: { after: '2037-01-01' } }]));
      expect(d['due:2037-01']).toEqual({ 'D#01': 2 });
    });

    it('takes a held document off its day, and puts it back when released', () => {
      expect(asMap(counterDeltas([filed(0, '2037-01-01', undefined, { activeHolds: 1 })]))).toEqual({
        'due:2037-01': { 'D#01': -1 },
      });
      expect(asMap(counterDeltas([filed(0, undefined, '2037-01-01')]))).toEqual({
        'due:2037-01': { 'D#01': 1 },
      });
    });

    it('moves a re-dated document from its old day to its new one, across months', () => {
      expect(asMap(counterDeltas([filed(0, '2037-01-01', '2039-03-15')]))).toEqual({
        'due:2037-01': { 'D#01': -1 },
        'due:2039-03': { 'D#15': 1 },
      });
    });

    it('takes a document taken by a disposal batch or destroyed off its day', () => {
      const destroyed = {
        ...change(
          docKeys(0),
          doc(0, { status: 'ARCHIVED', ...archivedAt }),
          doc(0, { status: 'DISPOSED', ...archivedAt }),
        ),
        dueFiled: { before: '2037-01-01' },
      };
      expect(asMap(counterDeltas([destroyed]))['due:2037-01']).toEqual({ 'D#01': -1 });
      expect(asMap(counterDeltas([filed(1, '2037-01-02', undefined, { disposalBatchId: 'b-1' })]))).toEqual({
        'due:2037-01': { 'D#02': -1 },
      });
    });

    it('moves nothing when the day stays, and nets out a batch that files and unfiles the same day', () => {
      expect(counterDeltas([filed(0, '2037-01-01', '2037-01-01', { title: 'renamed' })]).size).toBe(0);
      expect(counterDeltas([filed(0, undefined, '2037-01-01'), filed(0, '2037-01-01', undefined)]).size).toBe(
        0,
      );
    });

    it('ignores a due day that is not a date', () => {
      expect(
        counterDeltas([filed(0, undefined, '2037-13-01'), filed(1, undefined, 'x; REMOVE pk')]).size,
      ).toBe(0);
    });
  });

  it('ignores attribute names that are not scheme codes', () => {
    expect(counterDeltas([archive(0, { businessEvent: 'x; REMOVE pk' })]).size).toBe(0);
    expect(counterDeltas([archive(0, { codeAssignedAt: 'not a time', archivedAt: undefined })]).size).toBe(0);
  });

  it('counts the first validation of a first attempt once, with completeness and the checks', () => {
    const submitted = { ...submission({ status: 'SUBMITTED', attempt: 1 }) };
    const incomplete = runIntakeChecks({
      scheme,
      submission: submitted,
      documents: documents().slice(0, 3),
      scans: Object.fromEntries(documents().map((x) => [x.documentId, 'NO_THREATS_FOUND'])),
    });
    const validated = {
      ...submitted,
      status: 'SUBMITTED',
      valid: false,
      problems: incomplete.problems,
      validatedAt: '2026-03-02T08:00:00.000Z',
    };
    expect(requiredDocumentsPresent(incomplete.problems)).toBe(false);
    const first = change(subKeys, submitted, validated);
    // The validation step run again writes the same outcome once more: no second count.
    const again = change(subKeys, validated, { ...validated, validatedAt: '2026-03-02T08:00:03.000Z' });
    const rejected = change(subKeys, validated, {
      ...validated,
      status: 'REJECTED',
      rejection: {
        reason: 'incomplete',
        problems: [],
        decidedBy: 'system',
        at: '2026-03-02T08:00:04.000Z',
        attempt: 1,
      },
    });
    expect(asMap(counterDeltas([first, again, rejected]))).toEqual({
      'intake:2026': { 'F#NEWCONN': 1, 'R#NEWCONN': 1 },
    });

    const complete = runIntakeChecks({
      scheme,
      submission: submitted,
      documents: documents(),
      scans: Object.fromEntries(documents().map((x) => [x.documentId, 'NO_THREATS_FOUND'])),
    });
    expect(complete.valid).toBe(true);
    const ok = {
      ...submitted,
      status: 'VALIDATED',
      valid: true,
      problems: [],
      validatedAt: '2026-03-02T09:00:00.000Z',
    };
    const archivedSub = change(
      subKeys,
      { ...ok, status: 'IN_REVIEW' },
      { ...ok, status: 'ARCHIVED', archivedAt: '2026-03-03T00:00:00.000Z' },
    );
    expect(asMap(counterDeltas([change(subKeys, submitted, ok), archivedSub]))).toEqual({
      'intake:2026': { 'F#NEWCONN': 1, 'C#NEWCONN': 1, 'V#NEWCONN': 1, 'A#NEWCONN': 1 },
    });
  });

  it('counts a complete submission whose checks failed for another reason as complete, not passed', () => {
    const submitted = submission({ status: 'SUBMITTED', attempt: 1 });
    const outcome = runIntakeChecks({
      scheme,
      submission: submitted,
      documents: [document(0, { receivedSha256: 'ff'.repeat(32) }), ...documents().slice(1)],
      scans: Object.fromEntries(documents().map((x) => [x.documentId, 'NO_THREATS_FOUND'])),
    });
    expect(outcome.valid).toBe(false);
    const after = {
      ...submitted,
      valid: false,
      problems: outcome.problems,
      validatedAt: '2027-01-01T00:00:00.000Z',
    };
    expect(asMap(counterDeltas([change(subKeys, { ...submitted }, after)]))).toEqual({
      'intake:2027': { 'F#NEWCONN': 1, 'C#NEWCONN': 1 },
    });
  });

  it('does not count the validation of a resubmission as a first submission', () => {
    const resubmitted = submission({ status: 'SUBMITTED', attempt: 2 });
    const after = { ...resubmitted, valid: true, problems: [], validatedAt: '2026-03-05T00:00:00.000Z' };
    expect(counterDeltas([change(subKeys, { ...resubmitted }, after)]).size).toBe(0);
  });
});

describe('batchIdentity', () => {
  it('is the same for the same records and differs for any other set', () => {
    const a = [{ sequence: '1' }, { sequence: '2' }];
    expect(batchIdentity(a)).toBe(batchIdentity([{ sequence: '1' }, { sequence: '2' }]));
    expect(batchIdentity(a)).not.toBe(batchIdentity([{ sequence: '1' }]));
    expect(batchIdentity(a)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('the query and the due window', () => {
  it('accepts a year and a number of days, and names the bad parameter', () => {
    expect(statsQuerySchema.parse({ year: '2026', dueWithinDays: '30' })).toEqual({
      year: 2026,
      dueWithinDays: 30,
    });
    expect(statsQuerySchema.parse({})).toEqual({});
    for (const [q, path] of [
      [{ year: '26' }, 'year'],
      [{ year: '1800' }, 'year'],
      [{ dueWithinDays: '0' }, 'dueWithinDays'],
      [{ dueWithinDays: '400' }, 'dueWithinDays'],
      [{ dueWithinDays: 'soon' }, 'dueWithinDays'],
    ] as const) {
      const r = statsQuerySchema.safeParse(q);
      expect(r.success, JSON.stringify(q)).toBe(false);
      expect(r.error?.issues[0]?.path, JSON.stringify(q)).toEqual([path]);
    }
    expect(statsQuerySchema.safeParse({ region: 'HZ' }).success).toBe(false);
  });

  it('reads the months from the day after the last sweep through today plus the window', () => {
    expect(dueWindow('2026-11-27', 90)).toEqual({
      from: '2026-11-27',
      through: '2027-02-25',
      months: ['2026-11', '2026-12', '2027-01', '2027-02'],
    });
    expect(dueWindow('2026-11-27', 3, '2026-10-30').from).toBe('2026-10-31');
    expect(dueWindow('2026-11-27', 3, '2026-11-27').from).toBe('2026-11-27');
  });

  it('sums the due counters of the window per month, leaving out days outside it and days below zero', () => {
    const window = dueWindow('2026-11-27', 90);
    const byMonth = dueByMonth(window, [
      { month: '2026-11', attrs: { 'D#26': 4, 'D#27': 1, 'D#30': 2 } },
      { month: '2026-12', attrs: { 'D#01': -1, 'D#02': 3 } },
      { month: '2027-02', attrs: { 'D#25': 1, 'D#26': 7, b0: 'batch' } },
    ]);
    expect(byMonth).toEqual([
      { month: '2026-11', count: 3 },
      { month: '2026-12', count: 3 },
      { month: '2027-01', count: 0 },
      { month: '2027-02', count: 1 },
    ]);
  });

  it('bands task ages', () => {
    expect([0, 23.9, 24, 71, 72, 167, 168, 10_000].map(ageBand)).toEqual([
      'under1d',
      'under1d',
      '1to3d',
      '1to3d',
      '3to7d',
      '3to7d',
      'over7d',
      'over7d',
    ]);
  });
});

describe('statsView', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  const inputs = {
    scheme,
    now,
    counters: [
      { counter: 'documents:2025', attrs: { 'E#NEWCONN': 3, 'T#APPFORM': 3, 'X#NEWCONN': 1 } },
      {
        counter: 'documents:2026',
        attrs: { 'E#NEWCONN': 4, 'E#METERING': 2, 'T#METERWO': 2, 'T#APPFORM': 4 },
      },
      {
        counter: 'intake:2026',
        attrs: { 'F#NEWCONN': 4, 'C#NEWCONN': 3, 'V#NEWCONN': 2, 'R#NEWCONN': 2, 'A#NEWCONN': 1 },
      },
      { counter: 'intake:2025', attrs: { 'F#NEWCONN': 1, 'C#NEWCONN': 1 } },
    ] as StoredCounter[],
    openTasks: {
      reviewer: ['2026-11-27T06:00:00.000Z', '2026-11-25T12:00:00.000Z'],
      approver: ['2026-11-10T12:00:00.000Z'],
      archivist: [],
    },
    overdueLoanDueTimes: ['2026-11-26T12:00:00.000Z', '2026-11-20T12:00:00.000Z'],
    due: {
      withinDays: 90,
      from: '2026-11-27',
      through: '2027-02-25',
      byMonth: [
        { month: '2026-11', count: 1 },
        { month: '2026-12', count: 0 },
        { month: '2027-01', count: 5 },
      ],
    },
  };

  it('sums documents per year, completeness per event, task ages, overdue loans and due documents', () => {
    const v = statsView(inputs);
    expect(v.documents).toMatchObject({ held: 9, disposed: 1 });
    expect(v.documents.years.map((y) => [y.year, y.held, y.disposed])).toEqual([
      [2025, 3, 1],
      [2026, 6, 0],
    ]);
    expect(v.documents.years[1]?.byEvent).toEqual({ NEWCONN: 4, METERING: 2 });
    const newconn = v.completeness.byEvent.find((e) => e.businessEvent === 'NEWCONN');
    expect(newconn).toMatchObject({
      name: { zh: '业扩报装', en: 'New connection' },
      firstSubmissions: 5,
      complete: 4,
      completeRate: 0.8,
      passedChecks: 2,
      rejections: 2,
      archived: 1,
    });
    expect(v.completeness.byEvent.find((e) => e.businessEvent === 'METERING')?.completeRate).toBeNull();
    expect(v.completeness.byEvent.map((e) => e.businessEvent)).toEqual(
      scheme.businessEvents.map((e) => e.code),
    );
    expect(v.completeness.definition).toMatch(/first attempt/);
    expect(v.tasks).toMatchObject({
      waiting: 3,
      oldestCreatedAt: '2026-11-10T12:00:00.000Z',
      oldestAgeHours: 408,
      ageBands: { under1d: 1, '1to3d': 1, '3to7d': 0, over7d: 1 },
    });
    expect(v.tasks.byRole.find((r) => r.role === 'reviewer')).toMatchObject({
      waiting: 2,
      oldestAgeHours: 48,
    });
    expect(v.tasks.byRole.find((r) => r.role === 'archivist')).toEqual({
      role: 'archivist',
      waiting: 0,
      ageBands: { under1d: 0, '1to3d': 0, '3to7d': 0, over7d: 0 },
    });
    expect(v.loans).toEqual({
      overdue: 2,
      longestOverdueDueAt: '2026-11-20T12:00:00.000Z',
      longestOverdueDays: 7,
    });
    expect(v.disposal).toMatchObject({ due: 6, dueWithinDays: 90, from: '2026-11-27' });
  });

  it('narrows the counters to one year', () => {
    const v = statsView({ ...inputs, year: 2025 });
    expect(v.year).toBe(2025);
    expect(v.documents).toMatchObject({ held: 3, disposed: 1 });
    expect(v.completeness.byEvent.find((e) => e.businessEvent === 'NEWCONN')?.completeRate).toBe(1);
  });

  it('answers zeros for an empty archive', () => {
    const v = statsView({
      ...inputs,
      counters: [],
      openTasks: {},
      overdueLoanDueTimes: [],
      due: { ...inputs.due, byMonth: [] },
    });
    expect(v.documents).toEqual({ held: 0, disposed: 0, years: [] });
    expect(v.tasks).toEqual({
      waiting: 0,
      ageBands: { under1d: 0, '1to3d': 0, '3to7d': 0, over7d: 0 },
      byRole: [],
    });
    expect(v.loans).toEqual({ overdue: 0 });
    expect(v.disposal.due).toBe(0);
  });
});

// ---- Handlers, with the SDK mocked -------------------------------------------------------------

const streamEvent = (changes: StreamedChange[]): DynamoDBStreamEvent => ({
  Records: changes.map((c) => ({
    eventName: c.kind,
    dynamodb: {
      Keys: marshall(c.keys) as never,
      ...(c.oldImage ? { OldImage: marshall(c.oldImage, { removeUndefinedValues: true }) as never } : {}),
      ...(c.newImage ? { NewImage: marshall(c.newImage, { removeUndefinedValues: true }) as never } : {}),
      SequenceNumber: c.sequence,
      ApproximateCreationDateTime: 1_790_000_000,
    },
  })),
});

describe('stats-counter', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
  });
  afterEach(resetMocks);

  const added = (
    input:
      | {
          ExpressionAttributeNames?: Record<string, string>;
          ExpressionAttributeValues?: Record<string, unknown>;
        }
      | undefined,
  ) =>
    Object.fromEntries(
      Object.entries(input?.ExpressionAttributeNames ?? {})
        .filter(([k]) => k.startsWith('#a'))
        .map(([k, name]) => [name, input?.ExpressionAttributeValues?.[`:${k.slice(1)}`]]),
    );

  it('adds a batch with one update per counter item, marked with the batch in one of its slots', async () => {
    ddbMock.on(UpdateCommand).resolves({ ConsumedCapacity: { TableName: TABLE, CapacityUnits: 1 } });
    const batch = [
      archive(0),
      archive(1),
      archive(2),
      archive(3),
      change(
        subKeys,
        { ...submission({ status: 'IN_REVIEW', attempt: 1 }) },
        { ...submission({ status: 'ARCHIVED', attempt: 1 }), archivedAt: '2026-03-04T09:00:06.000Z' },
      ),
    ];
    const result = await countStats(streamEvent(batch));
    expect(result).toEqual({ changes: 5, counterItems: 2, applied: 2, writeUnits: 2 });
    const calls = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const id = batchIdentity(batch);
    // The batch's identity picks one of the counters' four shard items, the same for each counter.
    const [shard] = calls.map((c) => c.Key?.pk);
    expect(shard).toMatch(/^STATS#[0-3]$/);
    expect(calls.map((c) => c.Key)).toEqual([
      { pk: shard, sk: 'DOCS#2026' },
      { pk: shard, sk: 'INTAKE#2026' },
    ]);
    const slot = `b${Number.parseInt(id.slice(0, 2), 16) % 8}`;
    for (const c of calls) {
      expect(c.ConditionExpression).toBe('attribute_not_exists(#slot) OR #slot <> :batch');
      expect(c.ExpressionAttributeNames?.['#slot']).toBe(slot);
      expect(c.ExpressionAttributeValues?.[':batch']).toBe(id);
      expect(c.UpdateExpression).toMatch(/^SET entity = :entity, #slot = :batch ADD /);
    }
    expect(added(calls[0])).toEqual({
      'E#NEWCONN': 4,
      'T#APPFORM': 1,
      'T#IDCOPY': 1,
      'T#LANDCERT': 1,
      'T#CONTRACT': 1,
    });
    expect(added(calls[1])).toEqual({ 'A#NEWCONN': 1 });
  });

  it('adds nothing to an item that holds the batch already, and still adds to the others', async () => {
    ddbMock.on(UpdateCommand).callsFake((input: { Key: { sk: string } }) => {
      if (input.Key.sk === 'DOCS#2026') throw conditionFailed();
      return { ConsumedCapacity: { CapacityUnits: 1 } };
    });
    const batch = [
      archive(0),
      change(
        subKeys,
        { ...submission({ status: 'IN_REVIEW', attempt: 1 }) },
        { ...submission({ status: 'REJECTED', attempt: 1 }), rejection: { at: '2026-03-04T00:00:00.000Z' } },
      ),
    ];
    const result = await countStats(streamEvent(batch));
    expect(result).toMatchObject({ counterItems: 2, applied: 1, writeUnits: 1 });
  });

  it('moves a document between due-day counters from the index entries of its images', async () => {
    ddbMock.on(UpdateCommand).resolves({ ConsumedCapacity: { TableName: TABLE, CapacityUnits: 1 } });
    const id = document(0).documentId;
    const archived = doc(0, { status: 'ARCHIVED', ...archivedAt });
    const batch = [
      // Re-dated: filed under 1 January 2037, now under 15 March 2039.
      change(
        docKeys(0),
        { ...archived, gsi3pk: 'DUE#2037-01', gsi3sk: `2037-01-01#${id}` },
        { ...archived, gsi3pk: 'DUE#2039-03', gsi3sk: `2039-03-15#${id}` },
      ),
      // A loan's entry in the same index is no due day.
      change({ pk: 'LOAN#l1', sk: 'LOAN' }, undefined, {
        gsi3pk: 'LOANS#OUT#1',
        gsi3sk: '2037-01-01T00:00:00Z#l1',
      }),
    ];
    const result = await countStats(streamEvent(batch));
    expect(result).toMatchObject({ counterItems: 2, applied: 2 });
    const calls = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const [shard] = calls.map((c) => c.Key?.pk);
    expect(shard).toMatch(/^DUESTATS#[0-3]$/);
    expect(calls.map((c) => c.Key)).toEqual([
      { pk: shard, sk: '2037-01' },
      { pk: shard, sk: '2039-03' },
    ]);
    expect(added(calls[0])).toEqual({ 'D#01': -1 });
    expect(added(calls[1])).toEqual({ 'D#15': 1 });
  });

  it('fails the batch on any other error, so it comes again', async () => {
    ddbMock.on(UpdateCommand).rejects(new Error('throttled'));
    await expect(countStats(streamEvent([archive(1)]))).rejects.toThrow('throttled');
  });

  it('writes nothing for a batch without counted changes', async () => {
    const result = await countStats(
      streamEvent([change(docKeys(0), doc(0, { status: 'PENDING_UPLOAD' }), doc(0, { status: 'UPLOADED' }))]),
    );
    expect(result).toEqual({ changes: 1, counterItems: 0, applied: 0, writeUnits: 0 });
  });
});

describe('GET /stats', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
    process.env.DANGAN_CLOCK_OFFSET_SECONDS = String(
      (Date.parse('2026-11-27T12:00:00.000Z') - Date.now()) / 1000,
    );
  });
  afterEach(() => {
    resetMocks();
    delete process.env.DANGAN_CLOCK_OFFSET_SECONDS;
  });

  const call = (query?: Record<string, string>, user: (typeof USERS)[keyof typeof USERS] = USERS.archivist) =>
    getStats(apiEvent({ routeKey: 'GET /stats', ...(query ? { query } : {}), user }), lambdaContext).then(
      bodyOf,
    );

  it('reads counters, indexes by key and due months by count, never a Scan', async () => {
    // A counter kept in shard items, and the unsharded item of counts from before, summed.
    ddbMock.on(QueryCommand, { KeyConditionExpression: 'pk = :pk' }).resolves({ Items: [] });
    ddbMock
      .on(QueryCommand, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'STATS' } })
      .resolves({
        Items: [{ pk: 'STATS', sk: 'DOCS#2026', entity: 'stats', 'E#NEWCONN': 1, 'T#APPFORM': 1 }],
      })
      .on(QueryCommand, {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'STATS#2' },
      })
      .resolves({
        Items: [{ pk: 'STATS#2', sk: 'DOCS#2026', entity: 'stats', 'E#NEWCONN': 1, 'T#APPFORM': 1 }],
      });
    ddbMock.on(QueryCommand, { IndexName: 'gsi1' }).resolves({ Items: [] });
    ddbMock
      .on(QueryCommand, { IndexName: 'gsi1', ExpressionAttributeValues: { ':pk': 'OPENTASKS#reviewer' } })
      .resolves({ Items: [{ gsi1sk: '2026-11-26T12:00:00.000Z#review-1' }] });
    // Loans out over their shard keys: one overdue loan, on one shard.
    ddbMock
      .on(QueryCommand, { IndexName: 'dueKeys', KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :now' })
      .resolves({ Items: [] })
      .on(QueryCommand, {
        IndexName: 'dueKeys',
        KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :now',
        ExpressionAttributeValues: { ':pk': 'LOANS#OUT#3' },
      })
      .resolves({ Items: [{ gsi3sk: '2026-11-20T00:00:00.000Z#loan-1' }] });
    // Due counters: the window's months in each shard and the recount's seed, summed per day.
    ddbMock
      .on(QueryCommand, { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last' })
      .resolves({
        Items: [],
      });
    const dueRange = { ':first': '2026-11', ':last': '2027-02' };
    ddbMock
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DUESTATS#1', ...dueRange } })
      .resolves({
        Items: [
          { pk: 'DUESTATS#1', sk: '2026-11', entity: 'stats', 'D#26': 5, b3: 'batch' },
          { pk: 'DUESTATS#1', sk: '2027-01', entity: 'stats', 'D#10': 2 },
        ],
      })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DUESTATS', ...dueRange } })
      .resolves({ Items: [{ pk: 'DUESTATS', sk: '2027-01', entity: 'stats', 'D#10': 1, 'D#31': -1 }] });
    ddbMock.on(GetCommand, { Key: { pk: 'SWEEP#retention', sk: 'SWEEP' } }).resolves({});

    const { statusCode, body } = await call();
    expect(statusCode).toBe(200);
    expect(body).toMatchObject({
      documents: { held: 2 },
      tasks: { waiting: 1, oldestAgeHours: 24 },
      loans: { overdue: 1 },
      disposal: {
        due: 3,
        from: '2026-11-27',
        through: '2027-02-25',
        byMonth: [
          { month: '2026-11', count: 0 },
          { month: '2026-12', count: 0 },
          { month: '2027-01', count: 3 },
          { month: '2027-02', count: 0 },
        ],
      },
    });
    // The index of documents due is never read: its size is no longer the request's cost.
    const queried = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queried.filter((q) => String(q.ExpressionAttributeValues?.[':pk']).startsWith('DUE#'))).toEqual(
      [],
    );
    expect(
      queried.filter((q) => String(q.ExpressionAttributeValues?.[':pk']).startsWith('DUESTATS')),
    ).toHaveLength(5);
    for (const c of ddbMock.commandCalls(QueryCommand)) {
      if (c.args[0].input.IndexName)
        expect(c.args[0].input.ProjectionExpression ?? c.args[0].input.Select).toBeTruthy();
    }
  });

  it('refuses bad parameters with a 400 naming them, before reading anything', async () => {
    for (const [query, name] of [
      [{ year: 'last' }, 'year'],
      [{ dueWithinDays: '1000' }, 'dueWithinDays'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const { statusCode, body } = await call(query);
      expect(statusCode, name).toBe(400);
      expect(JSON.stringify(body), name).toContain(name);
    }
    expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
  });

  it('is refused to an account limited to regions: the figures cover every region', async () => {
    useAccountSource(async (sub) =>
      sub === USERS.archivist.sub
        ? {
            sub,
            username: USERS.archivist.username,
            status: 'ACTIVE',
            roles: ['archivist'],
            regions: ['NORTH'],
            version: 1,
            updatedAt: '2026-03-01T00:00:00.000Z',
            updatedBy: 'secadmin1',
          }
        : undefined,
    );
    try {
      const { statusCode, body } = await call();
      expect(statusCode).toBe(403);
      expect(JSON.stringify(body)).toContain('limited to regions');
      expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
    } finally {
      useAccountSource(async () => undefined);
    }
  });

  it('is refused to roles without the dashboard', async () => {
    for (const user of [USERS.clerk, USERS.reviewer, USERS.sysadmin, USERS.secadmin, USERS.staff]) {
      expect((await call(undefined, user)).statusCode, user.username).toBe(403);
    }
    expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
  });
});

describe('recountDueMonth', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
  });
  afterEach(resetMocks);

  it('seeds each day with what the index holds beyond the shards, the same on a second run', async () => {
    ddbMock
      .on(QueryCommand, { IndexName: 'dueKeys', ExpressionAttributeValues: { ':pk': 'DUE#2037-01' } })
      .resolves({
        Items: [
          { gsi3sk: '2037-01-05#d1' },
          { gsi3sk: '2037-01-05#d2' },
          { gsi3sk: '2037-01-05#d3' },
          { gsi3sk: '2037-01-07#d4' },
        ],
      });
    ddbMock
      .on(QueryCommand, { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last' })
      .resolves({
        Items: [],
      });
    ddbMock
      .on(QueryCommand, {
        ExpressionAttributeValues: { ':pk': 'DUESTATS#2', ':first': '2037-01', ':last': '2037-01' },
      })
      .resolves({ Items: [{ pk: 'DUESTATS#2', sk: '2037-01', 'D#05': 1, 'D#09': 1, b1: 'batch' }] });
    ddbMock.on(PutCommand).resolves({});

    expect(await recountDueMonth('2037-01')).toEqual({ indexed: 4, seeded: 2 });
    expect(await recountDueMonth('2037-01')).toEqual({ indexed: 4, seeded: 2 });
    const puts = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    const seed = { pk: 'DUESTATS', sk: '2037-01', entity: 'stats', 'D#05': 2, 'D#07': 1, 'D#09': -1 };
    expect(puts).toEqual([seed, seed]);
  });

  it('removes a seed the counters no longer need, and writes nothing for an empty month', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock
      .on(QueryCommand, {
        ExpressionAttributeValues: { ':pk': 'DUESTATS', ':first': '2037-02', ':last': '2037-02' },
      })
      .resolves({ Items: [{ pk: 'DUESTATS', sk: '2037-02', 'D#01': 3 }] });
    ddbMock.on(DeleteCommand).resolves({});
    expect(await recountDueMonth('2037-02')).toEqual({ indexed: 0, seeded: 0 });
    expect(ddbMock.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key)).toEqual([
      { pk: 'DUESTATS', sk: '2037-02' },
    ]);
    expect(await recountDueMonth('2037-03')).toEqual({ indexed: 0, seeded: 0 });
    expect(ddbMock.commandCalls(DeleteCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });
});
