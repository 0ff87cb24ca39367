/**
 * EventBridge events as the stack's rules deliver them to Lambda targets: S3 "Object Created"
 * (the intake bucket sends its events to EventBridge).
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import type { S3ObjectCreatedRecord } from './s3/server.ts';

export interface ObjectCreatedDetail {
  version: '0';
  bucket: { name: string };
  object: { key: string; size: number; etag: string; 'version-id'?: string; sequencer: string };
  'request-id': string;
  requester: string;
  'source-ip-address': string;
  reason: 'PutObject' | 'CopyObject' | 'CompleteMultipartUpload' | 'POST Object';
}

const REASONS: Record<string, ObjectCreatedDetail['reason']> = {
  'ObjectCreated:Put': 'PutObject',
  'ObjectCreated:Copy': 'CopyObject',
  'ObjectCreated:CompleteMultipartUpload': 'CompleteMultipartUpload',
  'ObjectCreated:Post': 'POST Object',
};

export function objectCreatedEvent(
  record: S3ObjectCreatedRecord,
  region: string,
  accountId: string,
): EventBridgeEvent<'Object Created', ObjectCreatedDetail> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: accountId,
    time: (record.eventTime ?? new Date().toISOString()).replace(/\.\d+Z$/, 'Z'),
    region,
    resources: [`arn:aws:s3:::${record.bucket}`],
    detail: {
      version: '0',
      bucket: { name: record.bucket },
      object: {
        key: record.key,
        size: record.size,
        etag: record.eTag.replace(/"/g, ''),
        ...(record.versionId !== undefined && record.versionId !== 'null'
          ? { 'version-id': record.versionId }
          : {}),
        sequencer: record.sequencer,
      },
      'request-id': record.sequencer.slice(-16).toUpperCase(),
      requester: accountId,
      'source-ip-address': '127.0.0.1',
      reason: REASONS[record.eventName] ?? 'PutObject',
    },
  };
}
