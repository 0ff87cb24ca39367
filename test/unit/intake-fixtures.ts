import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { documentItem } from '../../functions/adapters/documents-repo.ts';
import { submissionItem } from '../../functions/adapters/submissions-repo.ts';
import { taskItem } from '../../functions/adapters/tasks-repo.ts';
import type { DocumentRecord } from '../../functions/core/documents.ts';
import type { Submission } from '../../functions/core/submissions.ts';
import type { TaskRecord } from '../../functions/core/tasks.ts';
import {
  apiEvent,
  besidesRefusalAudit,
  bodyOf,
  type EventInput,
  lambdaContext,
  USERS,
} from '../support/api-event.ts';

/** Shared data and helpers of the intake → review → archive tests. */

export const TABLE = 'records-test';
export const AUDIT_TABLE = 'audit-test';
export const INTAKE = 'intake-test';
export const ARCHIVE = 'archive-test';
export const WORKFLOW_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:intake-review-archive';

export function setEnv(): void {
  process.env.TABLE_NAME = TABLE;
  process.env.AUDIT_TABLE_NAME = AUDIT_TABLE;
  process.env.INTAKE_BUCKET = INTAKE;
  process.env.ARCHIVE_BUCKET = ARCHIVE;
  process.env.SCHEME_ID = 'power-supply';
  process.env.INTAKE_WORKFLOW_ARN = WORKFLOW_ARN;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTTESTTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.MALWARE_SCAN_TAG;
}

import { s3Mock } from './s3-stub.ts';

export const ddbMock = mockClient(DynamoDBDocumentClient);
export { s3Mock } from './s3-stub.ts';
export const sfnMock = mockClient(SFNClient);

/** Every call not set up by a test fails, so a test cannot pass through an unplanned write. */
export function strictMocks(): void {
  ddbMock.reset().onAnyCommand().rejects(new Error('unexpected call'));
  s3Mock.reset().onAnyCommand().rejects(new Error('unexpected call'));
  sfnMock.reset().onAnyCommand().rejects(new Error('unexpected call'));
}

export function resetMocks(): void {
  ddbMock.reset();
  s3Mock.reset();
  sfnMock.reset();
}

export const CUSTOMER_ID = '6f1c2a4e-8b7d-4c3a-9e2f-1a2b3c4d5e6f';
export const SUBMISSION_ID = '3d0f8a52-1c4b-4e8e-9a57-6b2d9c1e7f30';
export const DOC_IDS = [
  'a1000000-0000-4000-8000-000000000001',
  'a1000000-0000-4000-8000-000000000002',
  'a1000000-0000-4000-8000-000000000003',
  'a1000000-0000-4000-8000-000000000004',
] as const;
export const EXECUTION_ARN = `arn:aws:states:us-east-1:000000000000:execution:intake-review-archive:${SUBMISSION_ID}-1`;

export const sha = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

export const CUSTOMER_ITEM = {
  pk: `CUSTOMER#${CUSTOMER_ID}`,
  sk: 'CUSTOMER',
  entity: 'customer',
  customerId: CUSTOMER_ID,
  customerNo: '1000000001',
  name: '张三',
  type: 'RES',
};

/** A NEWCONN submission with its four required documents. */
export function submission(overrides: Partial<Submission> = {}): Submission {
  return {
    submissionId: SUBMISSION_ID,
    schemeId: 'power-supply',
    customerId: CUSTOMER_ID,
    customerNo: '1000000001',
    businessEvent: 'NEWCONN',
    status: 'DRAFT',
    attempt: 0,
    createdBy: USERS.clerk.sub,
    createdByName: USERS.clerk.username,
    createdAt: '2026-03-01T08:00:00.000Z',
    updatedAt: '2026-03-01T08:00:00.000Z',
    documentIds: [...DOC_IDS],
    ...overrides,
  };
}

const TYPES = ['APPFORM', 'IDCOPY', 'LANDCERT', 'CONTRACT'] as const;

export function document(i: number, overrides: Partial<DocumentRecord> = {}): DocumentRecord {
  const documentId = DOC_IDS[i] as string;
  return {
    documentId,
    submissionId: SUBMISSION_ID,
    customerId: CUSTOMER_ID,
    schemeId: 'power-supply',
    businessEvent: 'NEWCONN',
    docType: TYPES[i] as string,
    title: `Document ${i}`,
    fileName: `scan-${i}.pdf`,
    contentType: 'application/pdf',
    size: 1000 + i,
    sha256: sha(i + 1),
    status: 'UPLOADED',
    createdAt: '2026-03-01T08:00:00.000Z',
    createdBy: USERS.clerk.sub,
    updatedAt: '2026-03-01T08:00:00.000Z',
    uploadId: `upload-${i}`,
    receivedVersionId: `intake-v${i}`,
    uploadSequencer: `${'0'.repeat(31)}${i}`,
    receivedSize: 1000 + i,
    receivedSha256: sha(i + 1),
    sniffedType: 'application/pdf',
    uploadedAt: '2026-03-01T08:05:00.000Z',
    ...overrides,
  };
}

export const documents = (overrides: Partial<DocumentRecord> = {}) =>
  DOC_IDS.map((_, i) => document(i, overrides));

export function task(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    taskId: `review-${SUBMISSION_ID}-1-review`,
    kind: 'intake-review',
    role: 'reviewer',
    status: 'OPEN',
    subjectType: 'submission',
    subjectId: SUBMISSION_ID,
    summary: { text: '1000000001 张三: 业扩报装 New connection, 4 documents' },
    createdAt: '2026-03-02T08:00:00.000Z',
    dueAt: '2026-03-05T08:00:00.000Z',
    taskToken: 'secret-task-token',
    requesterSub: USERS.clerk.sub,
    level: 'review',
    attempt: 1,
    ...overrides,
  };
}

export const submissionRow = (s: Submission) => submissionItem(s);
export const documentRow = (d: DocumentRecord) => documentItem(d);
export const taskRow = (t: TaskRecord) => taskItem(t);

/** BatchGet answer holding these documents. */
export const batchOf = (docs: readonly DocumentRecord[]) => ({
  Responses: { [TABLE]: docs.map(documentRow) },
});

export function cancelled(codes: string[]) {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

export const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

export function namedError(name: string, message = name): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

type Handler = (event: ReturnType<typeof apiEvent>, context: typeof lambdaContext) => Promise<unknown>;

export async function call(handler: Handler, input: EventInput) {
  const result = await handler(apiEvent(input), lambdaContext);
  return bodyOf(result);
}

export function errorOf(body: Record<string, unknown>): { code: string; message: string; details?: unknown } {
  return body.error as { code: string; message: string; details?: unknown };
}

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** The items of the n-th TransactWriteItems call. */
export function transactItems(n = 0): TransactItems {
  const input = ddbMock.commandCalls(TransactWriteCommand)[n]?.args[0].input;
  if (!input?.TransactItems) throw new Error(`no transaction #${n}`);
  return input.TransactItems;
}

/** Writes the handler attempted, besides the audit event of a refusal. */
export const writesAttempted = () =>
  besidesRefusalAudit(ddbMock.calls()).filter((c) =>
    ['TransactWriteCommand', 'PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand'].includes(
      c.args[0].constructor.name,
    ),
  ).length;

/**
 * An S3 GetObject body of the given chunks. A mock answers every call with the same output,
 * where S3 answers each GET with a stream of its own, so the body can be read again.
 */
export function objectBody(...chunks: Uint8Array[]) {
  const copies = chunks.map((c) => Buffer.from(c));
  return {
    async *[Symbol.asyncIterator]() {
      yield* copies;
    },
  } as never;
}
