import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auditEventOf, auditItem } from '../../functions/adapters/audit.ts';
import { changesOf } from '../../functions/adapters/table-changes.ts';
import {
  AUDIT_ITEM_KEPT_DAYS,
  AUDIT_SEARCHABLE_DAYS,
  searchableRange,
} from '../../functions/core/audit-trail.ts';
import { DomainError } from '../../functions/core/errors.ts';
import { lambdaRecord } from '../../infra/local/streams.ts';

/**
 * The audit table keeps a year (core/audit-trail.ts): each event's item expires a week after the
 * year searches reach, searches stop at the year's start, the copy writer leaves the table's own
 * expiries alone, and a day of the copies reads back as events.
 */

const NOW = new Date('2026-12-06T10:00:00.000Z');
const DAY = 86_400_000;

/** A clerk's view of customer c1 at `at`, as appended. */
const viewed = (at: string) =>
  auditItem({
    action: 'customer.viewed',
    actor: { sub: 's1', username: 'clerk1', roles: ['clerk'] },
    targetType: 'customer',
    targetId: 'c1',
    eventId: 'e1',
    at,
  });

describe('the audit table keeps a year', () => {
  it('gives each event an expiry a week past the searchable year, from its own time', () => {
    expect(AUDIT_ITEM_KEPT_DAYS).toBe(AUDIT_SEARCHABLE_DAYS + 7);
    const item = viewed('2026-01-01T00:00:00.000Z');
    expect(item.expiresAt).toBe(Date.parse('2027-01-08T00:00:00.000Z') / 1000);
  });

  it('searches from the start of the year on, and refuses a range that ends before it with the way to the copies', () => {
    const yearStart = new Date(NOW.getTime() - AUDIT_SEARCHABLE_DAYS * DAY).toISOString();
    expect(searchableRange({ from: '0000', to: NOW.toISOString() }, NOW)).toEqual({
      from: yearStart,
      to: NOW.toISOString(),
      searchableFrom: yearStart,
    });
    const inside = new Date(NOW.getTime() - 10 * DAY).toISOString();
    expect(searchableRange({ from: inside, to: NOW.toISOString() }, NOW).from).toBe(inside);
    let refused: unknown;
    try {
      searchableRange({ from: '2025-01-01T00:00:00.000Z', to: '2025-01-02T00:00:00.000Z' }, NOW);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).status).toBe(400);
    expect((refused as Error).message).toContain('GET /audit/copies?day=2025-01-01');
    expect((refused as Error).message).toContain('锁定副本');
  });

  it("marks as the TTL's only a removal whose user identity is DynamoDB itself", () => {
    const record = (userIdentity?: unknown) => ({
      eventName: 'REMOVE' as const,
      ...(userIdentity ? { userIdentity } : {}),
      dynamodb: {
        Keys: { pk: { S: 'TARGET#c1' }, sk: { S: 'x' } },
        OldImage: { pk: { S: 'TARGET#c1' }, sk: { S: 'x' } },
        SequenceNumber: '7',
      },
    });
    const changes = changesOf({
      Records: [
        record({ type: 'Service', principalId: 'dynamodb.amazonaws.com' }),
        record(),
        record({ type: 'Service', principalId: 'someone-else' }),
      ],
    } as DynamoDBStreamEvent);
    expect(changes.map((c) => c.byTtl ?? false)).toEqual([true, false, false]);
  });

  it('hears of the TTL from the local stream poller as from Lambda', () => {
    const keys = { pk: { S: 'TARGET#c1' }, sk: { S: 'x' } };
    const delivered = (userIdentity?: { Type: string; PrincipalId: string }) =>
      changesOf({
        Records: [
          lambdaRecord(
            {
              eventID: '1',
              eventName: 'REMOVE',
              ...(userIdentity ? { userIdentity } : {}),
              dynamodb: { Keys: keys, OldImage: keys, SequenceNumber: '9' },
            },
            'arn:aws:dynamodb:us-east-1:000000000000:table/audit/stream/x',
          ),
        ],
      } as DynamoDBStreamEvent)[0]?.byTtl;
    expect(delivered({ Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' })).toBe(true);
    expect(delivered()).toBeUndefined();
  });

  it('reads an event from its item without storage keys or expiry', () => {
    const event = auditEventOf({ ...viewed('2026-01-01T00:00:00.000Z') });
    for (const k of ['pk', 'sk', 'gsi1pk', 'gsi2pk', 'expiresAt']) expect(event).not.toHaveProperty(k);
    expect(event).toMatchObject({
      eventId: 'e1',
      action: 'customer.viewed',
      targetId: 'c1',
      actorName: 'clerk1',
    });
  });
});

describe('the copy writer', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.resetModules();
    delete process.env.ARCHIVE_BUCKET;
  });

  it('copies appends and logs tampering, but leaves out the removals the TTL made', async () => {
    process.env.ARCHIVE_BUCKET = 'archive';
    const { s3 } = await import('../../functions/adapters/s3-client.ts');
    const sent: { input: { Key: string; Body: string } }[] = [];
    vi.spyOn(s3, 'send').mockImplementation(async (command: unknown) => {
      sent.push(command as { input: { Key: string; Body: string } });
      return {} as never;
    });
    const { handler } = await import('../../functions/events/audit-archive.ts');
    const image = {
      pk: { S: 'TARGET#c1' },
      sk: { S: '2025-01-01T00:00:00.000Z#e1' },
      at: { S: '2025-01-01T00:00:00.000Z' },
    };
    const result = await handler({
      Records: [
        { eventName: 'INSERT', dynamodb: { Keys: image, NewImage: image, SequenceNumber: '1' } },
        {
          eventName: 'REMOVE',
          userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
          dynamodb: { Keys: image, OldImage: image, SequenceNumber: '2' },
        },
        { eventName: 'REMOVE', dynamodb: { Keys: image, OldImage: image, SequenceNumber: '3' } },
      ],
    } as DynamoDBStreamEvent);
    expect(result).toEqual({ objects: 1, events: 2 });
    const lines = sent[0]?.input.Body.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { change: string; sequence: string });
    expect(lines?.map((l) => [l.change, l.sequence])).toEqual([
      ['INSERT', '1'],
      ['REMOVE', '3'],
    ]);
  });
});
