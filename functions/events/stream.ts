import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/**
 * DynamoDB stream records as the functions fed by table streams read them: images unmarshalled,
 * the sequence number and time at hand. The same event arrives from a Lambda event source
 * mapping on AWS and from the local stream poller (infra/local/streams.ts).
 */
export interface StreamChange {
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  keys: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  sequence: string;
  approximateAt: Date;
}

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
      },
    ];
  });
}
