/** S3 event notifications as Lambda receives them (aws-lambda S3Event). */
import type { S3Event } from 'aws-lambda';

export interface S3ObjectCreatedRecord {
  /** 'ObjectCreated:Put', 'ObjectCreated:Copy' or 'ObjectCreated:CompleteMultipartUpload'. */
  eventName: string;
  bucket: string;
  key: string;
  size: number;
  /** MD5 hex without quotes, as in S3 events. */
  eTag: string;
  /** Present for versioned buckets only. */
  versionId?: string;
  /** Hex string; larger means later for the same key, as in S3 events. */
  sequencer: string;
  /** ISO-8601 time of the write; defaults to now when the event is built. */
  eventTime?: string;
}

/**
 * Object keys in S3 event records are URL-encoded the way S3 does it: spaces become '+', every other
 * reserved or non-ASCII byte is percent-encoded (encodeURIComponent), and '/' separators are kept.
 * Decode with `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

export function toS3Event(record: S3ObjectCreatedRecord, region: string): S3Event {
  const object: S3Event['Records'][number]['s3']['object'] = {
    key: encodeEventKey(record.key),
    size: record.size,
    eTag: record.eTag.replace(/"/g, ''),
    sequencer: record.sequencer,
  };
  if (record.versionId !== undefined && record.versionId !== 'null') object.versionId = record.versionId;
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: record.eventTime ?? new Date().toISOString(),
        eventName: record.eventName,
        userIdentity: { principalId: 'AWS:LOCAL' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {
          'x-amz-request-id': record.sequencer.slice(-16),
          'x-amz-id-2': `local/${record.sequencer}`,
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'local-object-created',
          bucket: {
            name: record.bucket,
            ownerIdentity: { principalId: 'LOCAL' },
            arn: `arn:aws:s3:::${record.bucket}`,
          },
          object,
        },
      },
    ],
  };
}
