import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
/**
 * End to end over HTTP, against `npm start` on real local stand-ins: a clerk, reviewers and an
 * archivist working a customer file from upload to archive.
 */
import {
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { EICAR } from '../../infra/local/malware-scan.ts';
import {
  Api,
  callLocal,
  changeDocs,
  createCustomer,
  createDraft,
  type Draft,
  getSubmission,
  objectOfUrl,
  openTaskFor,
  type PlannedDoc,
  planDoc,
  put,
  type Submission,
  s3ClientFor,
  sha256Hex,
  type Upload,
  uploadAll,
  waitSubmission,
} from './client.ts';
import { mailTo, unsubscribeTokenOf, waitForMail } from './inbox.ts';
import { useLocalSystem } from './lifecycle.ts';
import { type LocalSystem, until } from './system.ts';

let system: LocalSystem;
let api: Api;
let s3: S3Client;

useLocalSystem(async (started) => {
  system = started;
  api = new Api(system.ready.apiUrl);
  s3 = s3ClientFor(system);
});

afterAll(() => {
  s3?.destroy();
});

/** The states an intake execution entered and the Lambda retries it made, once it has ended. */
async function executionPath(submissionId: string, attempt: number) {
  const machine = system.ready.stateMachines['intake-review-archive'] as string;
  const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${submissionId}-${attempt}`;
  const sfn = new SFNClient({
    region: system.ready.region,
    credentials: system.credentials,
    endpoint: system.ready.sfnUrl,
  });
  try {
    await until(
      `execution ${executionArn} to end`,
      async () => {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return d.status === 'RUNNING' ? undefined : d.status;
      },
      60_000,
    );
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return {
      entered: events.flatMap((e) =>
        e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : [],
      ),
      failedInvocations: events.filter((e) => e.type === 'LambdaFunctionFailed').length,
    };
  } finally {
    sfn.destroy();
  }
}

const CODE = /^Z001-KH·(\d{4})-(Y|D30|D10)-([A-Z]{2})-(\d{4})$/;

async function submitAndOpenReview(draft: Draft): Promise<string> {
  await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
  const task = await openTaskFor(api, draft.submissionId);
  return task.taskId;
}

async function archivedDraft(label: string, docs: PlannedDoc[] = changeDocs(label), event = 'CHANGE') {
  const customerId = await createCustomer(api);
  const draft = await createDraft(api, customerId, event, docs);
  await uploadAll(api, draft);
  return draft;
}

describe('access', () => {
  it('refuses calls without a valid token with 401 and creates nothing', async () => {
    const body = { customerNo: 'NOAUTH0001', name: '无权限', type: 'RES' };
    const none = await api.call(null, 'POST', '/customers', body);
    expect(none.status).toBe(401);
    const garbage = await api.call(null, 'POST', '/customers', body, { authorization: 'Bearer not.a.token' });
    expect(garbage.status).toBe(401);

    // A well-formed token signed by some other key.
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const forged = await new SignJWT({
      username: 'clerk1',
      'cognito:groups': ['clerk'],
      token_use: 'access',
      client_id: 'dangan-local-console',
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('https://identity.dangan.local')
      .setSubject('someone')
      .setExpirationTime('1h')
      .sign(privateKey);
    const other = await api.call(null, 'POST', '/customers', body, { authorization: `Bearer ${forged}` });
    expect(other.status).toBe(401);
    expect(other.body).toMatchObject({ error: { code: 'Unauthorized' } });

    // None of them reached the function: the number is still free.
    const created = await api.call('clerk1', 'POST', '/customers', body);
    expect(created.status).toBe(201);
  });

  it('refuses roles the route does not allow with 403', async () => {
    const staff = await api.call('staff1', 'POST', '/customers', {
      customerNo: 'STAFF0001',
      name: 'x',
      type: 'RES',
    });
    expect(staff.status).toBe(403);
    expect(staff.body).toMatchObject({ error: { code: 'Forbidden' } });
    expect((await api.call('sysadmin1', 'GET', '/customers?q=E2E')).status).toBe(403);
    expect(
      (
        await api.call('reviewer1', 'POST', '/submissions', {
          customerId: 'x',
          businessEvent: 'CHANGE',
          documents: [],
        })
      ).status,
    ).toBe(403);
  });

  it('answers 404 for unknown routes and 405 for another method', async () => {
    const unknown = await api.call('clerk1', 'GET', '/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'NotFound' } });
    expect((await api.call('clerk1', 'DELETE', '/customers')).status).toBe(405);
  });
});

describe('intake → review → archive', () => {
  it('archives a reviewed submission: codes, locked originals, content for the archivist', async () => {
    const customerId = await createCustomer(api);
    const docs = changeDocs('happy');
    const draft = await createDraft(api, customerId, 'CHANGE', docs);
    for (const d of draft.docs) {
      expect(d.upload.method).toBe('PUT');
      expect(Object.keys(d.upload.headers).sort()).toEqual([
        'content-type',
        'x-amz-checksum-sha256',
        'x-amz-meta-upload-id',
      ]);
    }
    // Not everything uploaded yet: submitting is a conflict.
    expect((await api.call('clerk1', 'POST', `/submissions/${draft.submissionId}/submit`)).status).toBe(409);

    await uploadAll(api, draft);
    const taskId = await submitAndOpenReview(draft);

    const { items } = await api.expect<{ items: { taskId: string; kind: string }[] }>(
      200,
      'reviewer1',
      'GET',
      '/tasks',
    );
    const task = items.find((t) => t.taskId === taskId);
    expect(task).toBeDefined();
    expect(JSON.stringify(items)).not.toMatch(/token/i);
    // A clerk may not decide a review.
    expect(
      (await api.call('clerk1', 'POST', `/tasks/${taskId}/decision`, { decision: 'approve' })).status,
    ).toBe(403);

    await api.expect(200, 'reviewer1', 'POST', `/tasks/${taskId}/decision`, {
      decision: 'approve',
      comment: '齐全',
    });
    const archived = await waitSubmission(
      api,
      draft.submissionId,
      'ARCHIVED',
      (s) => s.status === 'ARCHIVED',
    );

    expect(archived.documents).toHaveLength(3);
    // The happy path enters two states (state transitions are billed): validation runs inside
    // Review, no Choice state, and no retry (the submission is marked before its execution starts).
    expect(await executionPath(draft.submissionId, 1)).toEqual({
      entered: ['Review', 'Archive'],
      failedInvocations: 0,
    });
    const codes = archived.documents.map((d) => d.archiveCode ?? '');
    for (const d of archived.documents) {
      expect(d.status).toBe('ARCHIVED');
      expect(d.archiveCode).toMatch(CODE);
      expect(d.archiveCode).toContain('-BG-');
    }
    expect(new Set(codes).size).toBe(3);

    // The archived record keeps what storage saw (version, size, checksum) and not what only the
    // intake needed (the upload URL's id, the event's sequencer) or what its ids already say
    // (the intake and archive keys, the code's date).
    const ddb = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: system.ready.dynamodbUrl,
        region: system.ready.region,
        credentials: system.credentials,
      }),
    );
    try {
      for (const d of draft.docs) {
        const { Item: item } = await ddb.send(
          new GetCommand({
            TableName: system.ready.tables.records,
            Key: { pk: `DOCUMENT#${d.documentId}`, sk: 'DOCUMENT' },
            ConsistentRead: true,
          }),
        );
        expect(item).toMatchObject({
          status: 'ARCHIVED',
          receivedSize: d.bytes.length,
          receivedSha256: createHash('sha256').update(d.bytes).digest('hex'),
        });
        expect(item?.receivedVersionId).toBeTruthy();
        for (const gone of ['uploadId', 'uploadSequencer', 'intakeKey', 'archiveKey', 'codeAssignedAt'])
          expect(item).not.toHaveProperty(gone);
      }
    } finally {
      ddb.destroy();
    }

    for (const d of draft.docs) {
      // The archivist fetches the original through a presigned GET: the bytes that were uploaded.
      const link = await api.expect<{ url: string; expiresAt: string }>(
        200,
        'archivist1',
        'GET',
        `/documents/${d.documentId}/content`,
      );
      const res = await fetch(link.url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(d.bytes)).toBe(true);

      // The original sits in the archive bucket under Object Lock.
      const { bucket, key, versionId } = objectOfUrl(link.url);
      expect(bucket).toBe(system.ready.archiveBucket);
      expect(versionId).toBeTruthy();
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      expect(head.ContentLength).toBe(d.bytes.length);
      const retained = head.ObjectLockMode !== undefined || head.ObjectLockLegalHoldStatus === 'ON';
      expect(retained).toBe(true);
      if (head.ObjectLockMode !== undefined) {
        expect(head.ObjectLockMode).toBe('COMPLIANCE');
        expect(head.ObjectLockRetainUntilDate?.getTime()).toBeGreaterThan(Date.now() + 364 * 86400_000);
        const retention = await s3.send(
          new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
        );
        expect(retention.Retention?.Mode).toBe('COMPLIANCE');
      } else {
        const hold = await s3.send(
          new GetObjectLegalHoldCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
        );
        expect(hold.LegalHold?.Status).toBe('ON');
      }
      // Nobody, not even with the service's own credentials, deletes a locked version.
      await expect(
        s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
      ).rejects.toMatchObject({
        name: 'AccessDenied',
      });
    }

    // Only the archivist may read content (no loan here).
    expect((await api.call('clerk1', 'GET', `/documents/${draft.docs[0]?.documentId}/content`)).status).toBe(
      403,
    );

    // Each upload is on record once, by the system, with what storage saw of it.
    for (const d of draft.docs) {
      const { items: trail } = await api.expect<{
        items: { action: string; actorName: string; details?: { receivedSize?: number } }[];
      }>(200, 'auditor1', 'GET', `/audit?targetId=${d.documentId}&action=document.uploaded`);
      expect(trail.map((e) => [e.action, e.actorName, e.details?.receivedSize])).toEqual([
        ['document.uploaded', 'system', d.bytes.length],
      ]);
    }
  });
});

describe('the local S3 refuses uploads that do not match the URL', () => {
  it('refuses a tampered URL, an expired URL, another content type and a body off its checksum, leaving nothing', async () => {
    const customerId = await createCustomer(api);
    const draft = await createDraft(api, customerId, 'CHANGE', changeDocs('refusals'));
    const [doc, other] = draft.docs;
    if (!doc || !other) throw new Error('two documents expected');
    const target = objectOfUrl(doc.upload.url);
    expect(target.bucket).toBe(system.ready.intakeBucket);

    // Tampered: the signature of one document's URL used for another key, or a longer expiry.
    const otherKey = objectOfUrl(other.upload.url).key;
    const retargeted = new URL(doc.upload.url);
    retargeted.pathname = `/${target.bucket}/${otherKey.split('/').map(encodeURIComponent).join('/')}`;
    const r1 = await put({ ...doc.upload, url: retargeted.toString() }, doc.bytes);
    expect(r1.status).toBe(403);
    expect(r1.text).toContain('SignatureDoesNotMatch');
    const longer = new URL(doc.upload.url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    const r2 = await put({ ...doc.upload, url: longer.toString() }, doc.bytes);
    expect(r2.status).toBe(403);

    // Expired: the same request, signed with the same credentials an hour ago for five minutes.
    const expiredUrl = await getSignedUrl(
      s3,
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        ContentType: doc.contentType,
        ChecksumSHA256: doc.upload.headers['x-amz-checksum-sha256'],
      }),
      {
        expiresIn: 300,
        signingDate: new Date(Date.now() - 3600_000),
        signableHeaders: new Set(['content-type', 'x-amz-checksum-sha256']),
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      },
    );
    const r3 = await put({ ...doc.upload, url: expiredUrl }, doc.bytes);
    expect(r3.status).toBe(403);
    expect(r3.text).toMatch(/expired/i);

    // Another content type than the signed one.
    const r4 = await put(doc.upload, doc.bytes, { ...doc.upload.headers, 'content-type': 'image/png' });
    expect(r4.status).toBe(403);

    // A body of another length than the declared (and signed) size, even one S3 could hash.
    const longerBody = Buffer.concat([doc.bytes, Buffer.from('appended')]);
    const r6 = await put(doc.upload, longerBody, {
      ...doc.upload.headers,
      'x-amz-checksum-sha256': createHash('sha256').update(longerBody).digest('base64'),
    });
    expect(r6.status).toBe(403);
    expect(r6.text).toContain('SignatureDoesNotMatch');
    // Another upload id than the signed one: an object cannot claim to come through another URL.
    const r7 = await put(doc.upload, doc.bytes, { ...doc.upload.headers, 'x-amz-meta-upload-id': 'forged' });
    expect(r7.status).toBe(403);

    // A body whose SHA-256 is not the signed one (same length, one byte changed).
    const altered = Buffer.from(doc.bytes);
    altered[altered.length - 2] = (altered[altered.length - 2] ?? 0) ^ 0x01;
    expect(sha256Hex(altered)).not.toBe(sha256Hex(doc.bytes));
    const r5 = await put(doc.upload, altered);
    expect(r5.status).toBe(400);
    expect(r5.text).toContain('BadDigest');

    // Nothing was stored, and the system saw no upload.
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: target.key })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: otherKey })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    const prefix = target.key.slice(0, target.key.lastIndexOf('/') + 1);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix }));
    expect(listed.KeyCount ?? 0).toBe(0);
    const s = await getSubmission(api, draft.submissionId);
    expect(s.documents.map((d) => d.status)).toEqual(['PENDING_UPLOAD', 'PENDING_UPLOAD', 'PENDING_UPLOAD']);

    // The URL as returned, with the file it was issued for, still works.
    expect((await put(doc.upload, doc.bytes)).status).toBe(200);
    await waitSubmission(
      api,
      draft.submissionId,
      'with the first document UPLOADED',
      (x) => x.documents[0]?.status === 'UPLOADED',
    );
  });
});

describe('intake checks', () => {
  it('rejects a submission whose upload carries malware, before any reviewer sees it', async () => {
    const docs = changeDocs('infected');
    const infected = docs[1];
    if (!infected) throw new Error('three documents expected');
    infected.bytes = Buffer.concat([infected.bytes, Buffer.from(EICAR, 'latin1')]);
    const draft = await archivedDraft('infected', docs);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
    const rejected = await waitSubmission(
      api,
      draft.submissionId,
      'REJECTED',
      (s) => s.status === 'REJECTED',
    );
    expect(rejected.rejection?.decidedBy).toBe('system');
    expect(rejected.rejection?.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'safety', documentId: draft.docs[1]?.documentId }),
      ]),
    );
    expect(rejected.rejection?.problems).toHaveLength(1);
    const { items } = await api.expect<{ items: { subjectId: string }[] }>(200, 'reviewer1', 'GET', '/tasks');
    expect(items.map((t) => t.subjectId)).not.toContain(draft.submissionId);

    // The scanner's verdict is on the object, under GuardDuty's tag.
    const { bucket, key } = objectOfUrl(draft.docs[1]?.upload.url ?? '');
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
    expect(tags.TagSet).toContainEqual({ Key: 'GuardDutyMalwareScanStatus', Value: 'THREATS_FOUND' });
    const clean = objectOfUrl(draft.docs[0]?.upload.url ?? '');
    const cleanTags = await s3.send(new GetObjectTaggingCommand({ Bucket: clean.bucket, Key: clean.key }));
    expect(cleanTags.TagSet).toContainEqual({ Key: 'GuardDutyMalwareScanStatus', Value: 'NO_THREATS_FOUND' });
  });
});

describe('review decisions', () => {
  it('ends a rejected submission in REJECTED with the reason; the fixed resubmission archives', async () => {
    const draft = await archivedDraft('rejected');
    const first = await submitAndOpenReview(draft);
    const reason = '身份证复印件不清晰，请重新扫描';
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${first}/decision`, {
      decision: 'reject',
      comment: reason,
    });
    const rejected = await waitSubmission(
      api,
      draft.submissionId,
      'REJECTED',
      (s) => s.status === 'REJECTED',
    );
    expect(rejected.rejection?.reason).toBe(reason);
    expect(rejected.rejection?.decidedBy).toBeTruthy();
    expect(rejected.documents.every((d) => d.status === 'UPLOADED')).toBe(true);

    // The clerk rescans the ID copy: a new URL bound to the new file, then the upload.
    const idcopy = draft.docs[1];
    if (!idcopy) throw new Error('three documents expected');
    const rescan = planDoc('IDCOPY', 'image/jpeg', idcopy.title);
    const replaced = await api.expect<{ upload: Upload }>(
      200,
      'clerk1',
      'POST',
      `/submissions/${draft.submissionId}/documents/${idcopy.documentId}/upload-url`,
      { contentType: rescan.contentType, size: rescan.bytes.length, sha256: sha256Hex(rescan.bytes) },
    );
    // The old file does not fit the new URL.
    expect((await put(replaced.upload, idcopy.bytes)).status).toBe(400);
    expect((await put(replaced.upload, rescan.bytes)).status).toBe(200);
    await waitSubmission(api, draft.submissionId, 'with the rescan UPLOADED', (s) =>
      s.documents.every((d) => d.status === 'UPLOADED'),
    );

    const second = await submitAndOpenReview(draft);
    expect(second).not.toBe(first);
    await api.expect(200, 'reviewer2', 'POST', `/tasks/${second}/decision`, { decision: 'approve' });
    const archived = await waitSubmission(
      api,
      draft.submissionId,
      'ARCHIVED',
      (s) => s.status === 'ARCHIVED',
    );
    expect(archived.documents.every((d) => d.status === 'ARCHIVED' && CODE.test(d.archiveCode ?? ''))).toBe(
      true,
    );

    // What was archived is the rescan.
    const link = await api.expect<{ url: string }>(
      200,
      'archivist1',
      'GET',
      `/documents/${idcopy.documentId}/content`,
    );
    expect(Buffer.from(await (await fetch(link.url)).arrayBuffer()).equals(rescan.bytes)).toBe(true);
  });

  it('lets one of two reviewers deciding at once win; the other and any later decision get 409', async () => {
    const draft = await archivedDraft('race');
    const taskId = await submitAndOpenReview(draft);
    const replies = await Promise.all([
      api.call('reviewer1', 'POST', `/tasks/${taskId}/decision`, { decision: 'approve' }),
      api.call('reviewer2', 'POST', `/tasks/${taskId}/decision`, { decision: 'reject', comment: '不同意' }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    const again = await api.call('reviewer1', 'POST', `/tasks/${taskId}/decision`, { decision: 'approve' });
    expect(again.status).toBe(409);

    const winner = replies.find((r) => r.status === 200);
    const expected =
      (winner?.body as { decision?: string } | undefined)?.decision === 'approve' ? 'ARCHIVED' : 'REJECTED';
    const final = await waitSubmission(
      api,
      draft.submissionId,
      expected,
      (s) => s.status === 'ARCHIVED' || s.status === 'REJECTED',
    );
    expect(final.status).toBe(expected);
    // The task is gone from the open list.
    const { items } = await api.expect<{ items: { taskId: string }[] }>(200, 'reviewer1', 'GET', '/tasks');
    expect(items.map((t) => t.taskId)).not.toContain(taskId);
  });
});

describe('under load', () => {
  it('archives 50 submissions at once with unique archive codes and no gap in any sequence', async () => {
    const N = 50;
    // INFOSVC (class XX) is used by no other test here, so its sequences start at 1.
    const docsFor = (i: number): PlannedDoc[] => [
      planDoc('INFOCHG', 'application/pdf', `信息变更 ${i}`),
      planDoc('IDCOPY', 'image/jpeg', `身份证 ${i}`),
      planDoc('BANKAUTH', 'application/pdf', `银行授权 ${i}`),
    ];
    const drafts = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const customerId = await createCustomer(api, i % 2 === 0 ? 'clerk1' : 'clerk2');
        const clerk = i % 2 === 0 ? 'clerk1' : 'clerk2';
        const draft = await createDraft(api, customerId, 'INFOSVC', docsFor(i), clerk);
        await uploadAll(api, draft, clerk);
        await api.expect(202, clerk, 'POST', `/submissions/${draft.submissionId}/submit`);
        return { draft, clerk };
      }),
    );
    await Promise.all(
      drafts.map(async ({ draft }, i) => {
        const reviewer = i % 2 === 0 ? 'reviewer1' : 'reviewer2';
        const task = await openTaskFor(api, draft.submissionId, reviewer, 120_000);
        await api.expect(200, reviewer, 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
      }),
    );
    const archived: Submission[] = await Promise.all(
      drafts.map(({ draft, clerk }) =>
        waitSubmission(api, draft.submissionId, 'ARCHIVED', (s) => s.status === 'ARCHIVED', 120_000, clerk),
      ),
    );

    const codes = archived.flatMap((s) => s.documents.map((d) => d.archiveCode ?? ''));
    expect(codes).toHaveLength(N * 3);
    expect(new Set(codes).size).toBe(N * 3);
    const sequences = new Map<string, number[]>();
    for (const code of codes) {
      const m = CODE.exec(code);
      expect(m, code).not.toBeNull();
      const prefix = code.slice(0, code.lastIndexOf('-'));
      sequences.set(prefix, [...(sequences.get(prefix) ?? []), Number(m?.[4])]);
    }
    // INFOCHG is D30; IDCOPY and BANKAUTH are D10.
    const year = new Date().getUTCFullYear();
    expect([...sequences.keys()].sort()).toEqual([`Z001-KH·${year}-D10-XX`, `Z001-KH·${year}-D30-XX`]);
    for (const [prefix, seqs] of sequences) {
      const sorted = [...seqs].sort((a, b) => a - b);
      expect(sorted, prefix).toEqual(Array.from({ length: sorted.length }, (_, i) => i + 1));
    }
    expect(sequences.get(`Z001-KH·${year}-D10-XX`)).toHaveLength(2 * N);
  }, 240_000);
});

describe('notifications of new review tasks', () => {
  const address = (user: string) => `${user}@dangan.local`;
  const inbox = () => system.ready.mailInboxUrl;

  /** A submission whose review task is open, with the marks of its record no mail may carry. */
  async function openReview(label: string) {
    const customerId = await createCustomer(api);
    const customer = await api.expect<{ customerNo: string; name: string }>(
      200,
      'clerk1',
      'GET',
      `/customers/${customerId}`,
    );
    const draft = await createDraft(api, customerId, 'CHANGE', changeDocs(label));
    await uploadAll(api, draft);
    await submitAndOpenReview(draft);
    return {
      page: `#/submissions/${draft.submissionId}`,
      secrets: [customer.customerNo, customer.name, label, customerId],
    };
  }

  it('mails the new task to the reviewers who may decide it within 10 s, in Chinese then English, with its link and nothing of the record', async () => {
    const { page, secrets } = await openReview(`notify-${Date.now().toString(36)}`);
    const mails = await Promise.all(
      ['reviewer1', 'reviewer2'].map((u) => waitForMail(inbox(), address(u), page)),
    );
    for (const mail of mails) {
      expect(mail.subject).toContain('新的入库审核任务');
      expect(mail.subject).toContain('A new intake review task');
      expect(mail.text.indexOf('等待您处理')).toBeLessThan(mail.text.indexOf('is waiting for you'));
      expect(mail.text).toContain(`${system.ready.consoleUrl}/${page}`);
      expect(mail.text).toMatch(/#\/unsubscribe\//);
      for (const secret of secrets) {
        expect(mail.text).not.toContain(secret);
        expect(mail.subject).not.toContain(secret);
      }
    }
    // The clerk whose submission it is decides nothing of it, and the stream's redelivery or
    // a second look sends nothing twice.
    expect(await mailTo(inbox(), address('clerk1'), page)).toEqual([]);
    for (const user of ['reviewer1', 'reviewer2']) {
      expect(await mailTo(inbox(), address(user), page), user).toHaveLength(1);
    }

    // The footer's link turns this kind off for its owner, without signing in.
    const token = unsubscribeTokenOf(mails[0] as (typeof mails)[0]);
    const off = await api.call(null, 'POST', '/notifications/unsubscribe', { token });
    expect(off).toMatchObject({ status: 200, body: { kind: 'task', delivery: 'none' } });
    const prefs = await api.expect<{ preferences: Record<string, string> }>(
      200,
      'reviewer1',
      'GET',
      '/me/notifications',
    );
    expect(prefs.preferences).toEqual({ task: 'none', disposal: 'instant', 'loan-due': 'instant' });
  }, 120_000);

  it('refuses a forged unsubscribe token and an unknown choice, naming the field, and changes nothing', async () => {
    const before = await api.expect(200, 'reviewer2', 'GET', '/me/notifications');
    const forged = await api.call(null, 'POST', '/notifications/unsubscribe', { token: 'eyJzIjoieCJ9.AAAA' });
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: { details: [{ path: 'token' }] } });
    expect(JSON.stringify(forged.body)).toContain('退订链接无效');
    const unknown = await api.call('reviewer2', 'PUT', '/me/notifications', { task: 'sometimes' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('task');
    const other = await api.call('reviewer2', 'PUT', '/me/notifications', { weather: 'instant' });
    expect(other.status).toBe(400);
    expect(await api.expect(200, 'reviewer2', 'GET', '/me/notifications')).toEqual(before);
  });

  it('holds a digest choice until the daily run, and sends nothing to a person who chose none', async () => {
    // reviewer1 chose none in the test above (by the unsubscribe link); reviewer2 takes the digest.
    await api.expect(200, 'reviewer2', 'PUT', '/me/notifications', { task: 'digest' });
    try {
      const { page, secrets } = await openReview(`digest-${Date.now().toString(36)}`);
      // The daily run, repeated until the task has reached the digest queue.
      const digest = await waitForMailAfter(
        () => callLocal(system, 'POST', '/local/notify'),
        address('reviewer2'),
        page,
      );
      expect(digest.subject).toContain('每日摘要');
      expect(digest.subject).toContain('daily digest');
      for (const secret of secrets) expect(digest.text).not.toContain(secret);
      // Only the digest: no mail at once. People are told in username order, so reviewer1's
      // "none" was decided before reviewer2's entry was queued: nothing for reviewer1.
      expect(await mailTo(inbox(), address('reviewer2'), page)).toHaveLength(1);
      expect(await mailTo(inbox(), address('reviewer1'), page)).toEqual([]);
      // A second run finds the queue empty: the digest is not sent again.
      await callLocal(system, 'POST', '/local/notify');
      expect(await mailTo(inbox(), address('reviewer2'), page)).toHaveLength(1);
    } finally {
      for (const user of ['reviewer1', 'reviewer2']) {
        await api.expect(200, user, 'PUT', '/me/notifications', { task: 'instant' });
      }
    }
  }, 120_000);

  /** Runs `step` until a mail to `address` containing `marker` is there. */
  async function waitForMailAfter(step: () => Promise<unknown>, to: string, marker: string) {
    return until(
      `a mail to ${to} about ${marker}`,
      async () => {
        await step();
        return (await mailTo(inbox(), to, marker))[0];
      },
      10_000,
      300,
    );
  }
});
