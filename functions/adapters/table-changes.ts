import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { RecordChange } from '../core/record-change.ts';
import { strip } from './dynamo/items.ts';
import { dueDayFiled, RECORD_KEYS } from './dynamo/keys.ts';

/**
 * DynamoDB stream records as the functions fed by table streams read them: images unmarshalled,
 * the sequence number and time at hand. The same event arrives from a Lambda event source
 * mapping on AWS and from the local stream poller (infra/local/streams.ts). `changesOf` gives the
 * items as stored (the audit copy keeps them whole); `recordChanges` gives the records table's
 * changes as the domain reads them (core/record-change.ts).
 */
export interface StreamChange {
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  keys: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  sequence: string;
  approximateAt: Date;
  /**
   * A removal DynamoDB's TTL made (the stream names the service as its user identity): an item
   * let go at its `expiresAt`, not a deletion by anyone's hand.
   */
  byTtl?: true;
}

/** The user identity DynamoDB puts on the stream record of an item its TTL deleted. */
const isTtlRemoval = (r: DynamoDBRecord): boolean =>
  r.eventName === 'REMOVE' &&
  r.userIdentity?.type === 'Service' &&
  r.userIdentity?.principalId === 'dynamodb.amazonaws.com';

const image = (img: unknown) =>
  img === undefined ? undefined : unmarshall(img as Record<string, AttributeValue>);

export function changesOf(event: DynamoDBStreamEvent): StreamChange[] {
  return (event.Records ?? []).flatMap((r: DynamoDBRecord) => {
    const d = r.dynamodb;
    if (!d || !r.eventName) return [];
    const newImage = image(d.NewImage);
    const oldImage = image(d.OldImage);
    return [
      {
        kind: r.eventName,
        keys: image(d.Keys) ?? {},
        ...(newImage ? { newImage } : {}),
        ...(oldImage ? { oldImage } : {}),
        sequence: d.SequenceNumber ?? '0',
        approximateAt: new Date((d.ApproximateCreationDateTime ?? 0) * 1000),
        ...(isTtlRemoval(r) ? { byTtl: true as const } : {}),
      },
    ];
  });
}

/** Which kind of record an item of the records table is, from its keys. */
function recordOf(itemKeys: Record<string, unknown>): RecordChange['record'] {
  const pk = String(itemKeys.pk ?? '');
  for (const record of ['document', 'submission', 'task'] as const) {
    const k = RECORD_KEYS[record];
    if (pk.startsWith(k.pkPrefix) && itemKeys.sk === k.sk) return record;
  }
  return 'other';
}

/**
 * The records table's changes: the kind of record and its images without keys or index entries,
 * and the due day each image is filed under in the due-date index.
 */
export function recordChanges(event: DynamoDBStreamEvent): RecordChange[] {
  return changesOf(event).map((c) => {
    const before = dueDayFiled(c.oldImage);
    const after = dueDayFiled(c.newImage);
    return {
      kind: c.kind,
      record: recordOf(c.keys),
      ...(c.newImage ? { newImage: strip<Record<string, unknown>>(c.newImage) } : {}),
      ...(c.oldImage ? { oldImage: strip<Record<string, unknown>>(c.oldImage) } : {}),
      ...(before || after
        ? { dueFiled: { ...(before ? { before } : {}), ...(after ? { after } : {}) } }
        : {}),
      sequence: c.sequence,
      approximateAt: c.approximateAt,
    };
  });
}
