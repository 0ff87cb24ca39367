import { BatchGetCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
} from '../../functions/adapters/s3-commands.ts';
import { intakeKeyOf } from '../../functions/core/submissions.ts';
import { CLOSED_TASK_KEPT_DAYS } from '../../functions/core/tasks.ts';
import { validateSubmission as validate } from '../../functions/services/intake-validation.ts';
import { handler as openReview } from '../../functions/steps/intake-open-review.ts';
import { handler as reject } from '../../functions/steps/intake-reject.ts';
import { USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  batchOf,
  CUSTOMER_ID,
  CUSTOMER_ITEM,
  cancelled,
  conditionFailed,
  DOC_IDS,
  ddbMock,
  document,
  documents,
  EXECUTION_ARN,
  INTAKE,
  resetMocks,
  SUBMISSION_ID,
  s3Mock,
  setEnv,
  strictMocks,
  submission,
  submissionRow,
  TABLE,
  task,
  taskRow,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';

const SUB_KEY = { pk: `SUBMISSION#${SUBMISSION_ID}`, sk: 'SUBMISSION' };
const TAG = 'GuardDutyMalwareScanStatus';

beforeEach(() => {
  setEnv();
  strictMocks();
});
afterEach(resetMocks);

describe('intake validation (run by intake-open-review at level review)', () => {
  const input = { submissionId: SUBMISSION_ID, executionId: EXECUTION_ARN };

  function stored(
    sub = submission({ status: 'SUBMITTED', attempt: 1, executionArn: EXECUTION_ARN }),
    docs = documents(),
  ) {
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({ Item: submissionRow(sub) });
    ddbMock.on(BatchGetCommand).resolves(batchOf(docs));
  }

  function tagged(status: string | undefined, key?: string) {
    const tags = status
      ? [
          { Key: 'project', Value: 'dangan' },
          { Key: TAG, Value: status },
        ]
      : [{ Key: 'project', Value: 'dangan' }];
    s3Mock
      .on(GetObjectTaggingCommand, key ? { Bucket: INTAKE, Key: key } : { Bucket: INTAKE })
      .resolves({ TagSet: tags });
  }

  it('runs the four checks and returns a passing outcome for the review task to store, writing nothing', async () => {
    stored();
    tagged('NO_THREATS_FOUND');

    const out = await validate(input);

    expect(out).toEqual({
      valid: true,
      problems: [],
      toRecord: {
        executionArn: EXECUTION_ARN,
        validatedAt: expect.any(String),
        audit: expect.objectContaining({
          action: 'submission.validated',
          targetId: SUBMISSION_ID,
          details: { attempt: 1, valid: true, problems: [] },
        }),
      },
    });
    // Stored with the task it opens (intake-open-review below), in one write of the submission.
    expect(writesAttempted()).toBe(0);
    // Every object's scan tag was read; none needed scanning.
    expect(s3Mock.commandCalls(GetObjectTaggingCommand)).toHaveLength(4);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('leaves a failing submission SUBMITTED with its problems and fails with ChecksFailed for the reject step', async () => {
    stored(undefined, [
      document(0, { receivedSha256: 'f'.repeat(64) }),
      document(1),
      document(2),
      document(3),
    ]);
    tagged('NO_THREATS_FOUND');
    s3Mock
      .on(GetObjectTaggingCommand, { Key: intakeKeyOf(document(3)) })
      .resolves({ TagSet: [{ Key: TAG, Value: 'THREATS_FOUND' }] });
    ddbMock.on(TransactWriteCommand).resolves({});

    await expect(validate(input)).rejects.toMatchObject({
      name: 'ChecksFailed',
      message: expect.stringMatching(/failed the intake checks: .*differs.*malware scan found a threat/),
    });

    expect(transactItems()[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':next': 'SUBMITTED',
      ':valid': false,
      ':problems': [
        { documentId: DOC_IDS[0], check: 'authenticity', message: expect.stringMatching(/differs/) },
        { documentId: DOC_IDS[3], check: 'safety', message: 'the malware scan found a threat' },
      ],
    });
  });

  it('waits for the malware scan: an untagged upload makes the step ask to be retried, writing nothing', async () => {
    stored();
    tagged('NO_THREATS_FOUND');
    tagged(undefined, intakeKeyOf(document(2)));

    await expect(validate(input)).rejects.toMatchObject({
      name: 'ScanPending',
      message: expect.stringContaining(DOC_IDS[2] as string),
    });
    expect(writesAttempted()).toBe(0);
    // The step never reads content to judge it and never writes the scan tag itself.
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutObjectTaggingCommand)).toHaveLength(0);
  });

  it('asks to be retried while the submit request has not recorded the execution yet', async () => {
    stored(submission({ status: 'DRAFT', attempt: 0 }));
    await expect(validate(input)).rejects.toMatchObject({ name: 'TransientError' });
    expect(writesAttempted()).toBe(0);
  });

  it('refuses to act for another execution', async () => {
    stored(submission({ status: 'SUBMITTED', attempt: 2, executionArn: `${EXECUTION_ARN}-later` }));
    await expect(validate(input)).rejects.toMatchObject({ name: 'WorkflowStateError' });
    expect(writesAttempted()).toBe(0);
  });

  it('is safe to run twice: after the workflow moved on it answers the stored outcome without writing', async () => {
    const problems = [{ check: 'integrity' as const, message: 'x' }];
    stored(
      submission({ status: 'REJECTED', attempt: 1, executionArn: EXECUTION_ARN, valid: false, problems }),
    );
    // A REJECTED submission of this very execution: the stored answer stands.
    await expect(validate(input)).rejects.toMatchObject({ name: 'ChecksFailed' });
    expect(writesAttempted()).toBe(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('re-runs a VALIDATED submission (stored so by an earlier version) and returns the outcome to store', async () => {
    stored(
      submission({ status: 'VALIDATED', attempt: 1, executionArn: EXECUTION_ARN, valid: true, problems: [] }),
    );
    tagged('NO_THREATS_FOUND');
    await expect(validate(input)).resolves.toMatchObject({
      valid: true,
      toRecord: { executionArn: EXECUTION_ARN },
    });
    expect(writesAttempted()).toBe(0);
  });

  it('retries when the submission changed while failed checks were stored', async () => {
    stored(undefined, [
      document(0, { receivedSha256: 'f'.repeat(64) }),
      document(1),
      document(2),
      document(3),
    ]);
    tagged('NO_THREATS_FOUND');
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled(['ConditionalCheckFailed', 'None', 'None', 'None', 'None', 'None']));
    await expect(validate(input)).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('intake-open-review step', () => {
  const TASK_ID = `review-${SUBMISSION_ID}-1-review`;
  const ESCALATED_ID = `review-${SUBMISSION_ID}-1-escalated`;
  const base = {
    taskToken: 'token-1',
    submissionId: SUBMISSION_ID,
    enteredAt: '2026-03-02T08:00:00.000Z',
    timeoutSeconds: 72 * 3600,
    executionId: EXECUTION_ARN,
  };

  // A submission the review state has validated before (a retried invocation) or is past.
  const REVIEWED = { attempt: 1, executionArn: EXECUTION_ARN, valid: true, problems: [] };

  function stored(
    sub = submission({ status: 'SUBMITTED', attempt: 1, executionArn: EXECUTION_ARN }),
    docs = documents(),
  ) {
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({ Item: submissionRow(sub) });
    ddbMock.on(BatchGetCommand).resolves(batchOf(docs));
    ddbMock
      .on(GetCommand, { Key: { pk: `CUSTOMER#${CUSTOMER_ID}`, sk: 'CUSTOMER' } })
      .resolves({ Item: CUSTOMER_ITEM });
  }

  function scanned(status = 'NO_THREATS_FOUND') {
    s3Mock
      .on(GetObjectTaggingCommand, { Bucket: INTAKE })
      .resolves({ TagSet: [{ Key: TAG, Value: status }] });
  }

  it('validates, then opens a reviewer task keyed by submission, attempt and level, with the token kept on the item', async () => {
    stored();
    scanned();
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await openReview({ ...base, level: 'review' });

    expect(out).toEqual({ taskId: TASK_ID });
    // One transaction: the task, the submission SUBMITTED → IN_REVIEW with its passing validation,
    // the validation's event and the task's (the submission is written once, not twice).
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const [put, update, validatedAudit, audit] = transactItems(0);
    expect(transactItems(0)).toHaveLength(4);
    expect(validatedAudit?.Put?.TableName).toBe(AUDIT_TABLE);
    expect(validatedAudit?.Put?.Item).toMatchObject({
      action: 'submission.validated',
      actorSub: 'system',
      details: { attempt: 1, valid: true, problems: [] },
    });
    expect(put?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Put?.Item).toMatchObject({
      pk: `TASK#${TASK_ID}`,
      sk: 'TASK',
      kind: 'intake-review',
      role: 'reviewer',
      status: 'OPEN',
      subjectId: SUBMISSION_ID,
      taskToken: 'token-1',
      requesterSub: USERS.clerk.sub,
      dueAt: '2026-03-05T08:00:00.000Z',
      gsi1pk: expect.stringMatching(/^OPENTASKS#reviewer#[0-3]$/),
      summary: {
        customerNo: '1000000001',
        customerName: '张三',
        businessEvent: 'NEWCONN',
        documentCount: 4,
        text: '1000000001 张三: 业扩报装 New connection, 4 documents',
      },
    });
    expect(String(put?.Put?.Item?.gsi1sk)).toMatch(new RegExp(`#${TASK_ID}$`));
    // Found through the open-task index only: no entry by subject, which nothing reads.
    expect(put?.Put?.Item?.gsi2pk).toBeUndefined();
    expect(update?.Update?.Key).toEqual(SUB_KEY);
    expect(update?.Update?.ConditionExpression).toBe(
      '#status IN (:submitted, :validated) AND attempt = :attempt AND executionArn = :arn',
    );
    expect(update?.Update?.UpdateExpression).toMatch(/#valid = :valid, problems = :problems, validatedAt = /);
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':review': 'IN_REVIEW',
      ':attempt': 1,
      ':arn': EXECUTION_ARN,
      ':valid': true,
      ':problems': [],
    });
    expect(audit?.Put?.Item).toMatchObject({ action: 'task.opened', targetId: TASK_ID });
    // The token is not in the audit trail.
    expect(JSON.stringify(audit)).not.toContain('token-1');
  });

  it('fails the state with ChecksFailed before any task exists when the checks fail', async () => {
    stored(undefined, [
      document(0, { receivedSha256: 'f'.repeat(64) }),
      document(1),
      document(2),
      document(3),
    ]);
    scanned();
    ddbMock.on(TransactWriteCommand).resolves({});

    await expect(openReview({ ...base, level: 'review' })).rejects.toMatchObject({ name: 'ChecksFailed' });

    // Only the validation is written (the submission stays SUBMITTED with its problems).
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(transactItems(0)[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':next': 'SUBMITTED' });
    expect(JSON.stringify(ddbMock.calls().map((c) => c.args[0].input))).not.toContain('token-1');
  });

  it('asks the state to retry while a malware scan is pending, writing nothing', async () => {
    stored();
    scanned();
    s3Mock
      .on(GetObjectTaggingCommand, { Bucket: INTAKE, Key: intakeKeyOf(document(1)) })
      .resolves({ TagSet: [{ Key: 'project', Value: 'dangan' }] });

    await expect(openReview({ ...base, level: 'review' })).rejects.toMatchObject({ name: 'ScanPending' });
    expect(writesAttempted()).toBe(0);
  });

  it('escalates to archivists and expires the unanswered review task', async () => {
    stored(submission({ status: 'IN_REVIEW', attempt: 1, executionArn: EXECUTION_ARN }));
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    await expect(openReview({ ...base, taskToken: 'token-2', level: 'escalated' })).resolves.toEqual({
      taskId: ESCALATED_ID,
    });

    const expire = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(expire?.Key).toEqual({ pk: `TASK#${TASK_ID}`, sk: 'TASK' });
    expect(expire?.ConditionExpression).toBe('#status = :open');
    expect(expire?.UpdateExpression).toBe(
      'SET #status = :expired, expiredAt = :at, expiresAt = :ttl REMOVE gsi1pk, gsi1sk',
    );
    const at = String(expire?.ExpressionAttributeValues?.[':at']);
    expect(expire?.ExpressionAttributeValues?.[':ttl']).toBe(
      Math.floor(Date.parse(at) / 1000) + CLOSED_TASK_KEPT_DAYS * 86_400,
    );
    expect(transactItems()[0]?.Put?.Item).toMatchObject({
      taskId: ESCALATED_ID,
      role: 'archivist',
      gsi1pk: expect.stringMatching(/^OPENTASKS#archivist#[0-3]$/),
      level: 'escalated',
      summary: { level: 'escalated' },
    });
  });

  it('a retried invocation replaces the token of its open task instead of making a second one', async () => {
    stored(submission({ status: 'IN_REVIEW', ...REVIEWED }));
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']));
    ddbMock
      .on(GetCommand, { Key: { pk: `TASK#${TASK_ID}`, sk: 'TASK' } })
      .resolves({ Item: taskRow(task()) });
    ddbMock.on(UpdateCommand).resolves({});

    await expect(openReview({ ...base, taskToken: 'token-retry', level: 'review' })).resolves.toEqual({
      taskId: TASK_ID,
    });

    const update = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.ConditionExpression).toBe('#status IN (:open, :done)');
    expect(update?.ExpressionAttributeValues).toMatchObject({ ':token': 'token-retry' });
    // The stored validation stands: nothing is validated or written again but the token.
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('gives a decided task the new token, so a decision sent with the dead one can be sent again', async () => {
    stored(submission({ status: 'IN_REVIEW', ...REVIEWED }));
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']));
    ddbMock
      .on(GetCommand, { Key: { pk: `TASK#${TASK_ID}`, sk: 'TASK' } })
      .resolves({ Item: taskRow(task({ status: 'DONE' })) });
    ddbMock.on(UpdateCommand).resolves({});
    await expect(openReview({ ...base, taskToken: 'token-retry', level: 'review' })).resolves.toEqual({
      taskId: TASK_ID,
    });
    expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':token': 'token-retry',
    });
  });

  it('leaves an expired task alone', async () => {
    stored(submission({ status: 'IN_REVIEW', ...REVIEWED }));
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']));
    ddbMock
      .on(GetCommand, { Key: { pk: `TASK#${TASK_ID}`, sk: 'TASK' } })
      .resolves({ Item: taskRow(task({ status: 'EXPIRED' })) });
    await expect(openReview({ ...base, level: 'review' })).resolves.toEqual({ taskId: TASK_ID });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('fails when the submission is not waiting for review', async () => {
    stored(submission({ status: 'REJECTED', ...REVIEWED }));
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None']));
    await expect(openReview({ ...base, level: 'review' })).rejects.toMatchObject({
      name: 'WorkflowStateError',
    });
  });

  it('refuses to open a task for another execution', async () => {
    stored(submission({ status: 'VALIDATED', attempt: 2, executionArn: `${EXECUTION_ARN}-2` }));
    await expect(openReview({ ...base, level: 'review' })).rejects.toMatchObject({
      name: 'WorkflowStateError',
    });
    expect(writesAttempted()).toBe(0);
  });
});

describe('intake-reject step', () => {
  const input = {
    submissionId: SUBMISSION_ID,
    code: 'checks-failed' as const,
    reason: 'The submission failed the intake checks',
    problems: [{ documentId: DOC_IDS[0], check: 'authenticity' as const, message: 'SHA-256 differs' }],
    decidedBy: 'system',
    executionId: EXECUTION_ARN,
  };

  it('marks the submission REJECTED with reason, problems and who decided, and expires open review tasks', async () => {
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({
      Item: submissionRow(submission({ status: 'SUBMITTED', attempt: 1, executionArn: EXECUTION_ARN })),
    });
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(UpdateCommand).rejects(conditionFailed());

    await expect(reject(input)).resolves.toEqual({ status: 'REJECTED' });

    const [update, audit] = transactItems();
    expect(update?.Update?.TableName).toBe(TABLE);
    expect(update?.Update?.ConditionExpression).toBe(
      '#status IN (:submitted, :validated, :review) AND executionArn = :arn',
    );
    expect(update?.Update?.ExpressionAttributeValues?.[':rejection']).toMatchObject({
      code: 'checks-failed',
      reason: input.reason,
      problems: input.problems,
      decidedBy: 'system',
      attempt: 1,
    });
    expect(audit?.Put?.Item).toMatchObject({ action: 'submission.rejected', targetId: SUBMISSION_ID });
    const expired = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key?.pk);
    expect(expired).toEqual([
      `TASK#review-${SUBMISSION_ID}-1-review`,
      `TASK#review-${SUBMISSION_ID}-1-escalated`,
    ]);
  });

  it('gives the reserved numbers back when archiving failed for good, and says so on the rejection', async () => {
    const inReview = submission({ status: 'IN_REVIEW', attempt: 1, executionArn: EXECUTION_ARN });
    ddbMock.on(GetCommand).resolves({ Item: {} });
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({ Item: submissionRow(inReview) });
    ddbMock.on(BatchGetCommand).resolves(batchOf(documents()));
    // The submission holds numbers in the CHANGE/NEWCONN documents' D30 sequence of this year.
    const sequenceKey = `Z001-KH·${new Date().getUTCFullYear()}-D30-YK-`;
    ddbMock
      .on(GetCommand, { Key: { pk: `RESERVATION#${SUBMISSION_ID}`, sk: `SEQUENCE#${sequenceKey}` } })
      .resolves({ Item: { before: 6, reusing: [], fresh: 3 } });
    // Open review tasks expire.
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    await expect(
      reject({
        ...input,
        code: 'archive-failed',
        reason: 'Archiving failed (ArchiveCopyMismatch)',
        problems: [],
        returnCodes: true,
      }),
    ).resolves.toEqual({ status: 'REJECTED' });

    const given = ddbMock
      .commandCalls(TransactWriteCommand)
      .flatMap((c) => c.args[0].input.TransactItems ?? [])
      .filter((i) => i.Update?.UpdateExpression?.includes('ADD #free :numbers'));
    expect(given).toHaveLength(1);
    expect(given[0]?.Update?.Key).toEqual({ pk: `SEQUENCE#${sequenceKey}`, sk: 'SEQUENCE' });
    expect(given[0]?.Update?.ExpressionAttributeValues?.[':numbers']).toEqual(new Set([7, 8, 9]));
    // The numbers went back first (transaction 0); then the rejection with its audit event.
    const [, audit] = transactItems(1);
    expect(audit?.Put?.Item?.details).toMatchObject({
      archiveFailed: true,
      returnedNumbers: { [sequenceKey]: [7, 8, 9] },
    });
  });

  it('leaves a submission archived by an archive step that failed after its writes as it is', async () => {
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({
      Item: submissionRow(submission({ status: 'ARCHIVED', attempt: 1, executionArn: EXECUTION_ARN })),
    });
    await expect(reject({ ...input, problems: [], returnCodes: true })).resolves.toEqual({
      status: 'ARCHIVED',
    });
    expect(writesAttempted()).toBe(0);
  });

  it('rejects failed checks with the problems stored on the submission (the workflow passes none)', async () => {
    const problems = [
      { documentId: DOC_IDS[1], check: 'usability' as const, message: 'the file is image/png' },
    ];
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({
      Item: submissionRow(
        submission({ status: 'SUBMITTED', attempt: 1, executionArn: EXECUTION_ARN, valid: false, problems }),
      ),
    });
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(UpdateCommand).rejects(conditionFailed());

    await expect(reject({ ...input, problems: [] })).resolves.toEqual({ status: 'REJECTED' });

    expect(transactItems()[0]?.Update?.ExpressionAttributeValues?.[':rejection']).toMatchObject({
      reason: input.reason,
      problems,
    });
  });

  it('is safe to run twice: an already rejected submission is not written again', async () => {
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({
      Item: submissionRow(submission({ status: 'REJECTED', attempt: 1, executionArn: EXECUTION_ARN })),
    });
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    await expect(reject(input)).resolves.toEqual({ status: 'REJECTED' });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('refuses to reject for another execution', async () => {
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({
      Item: submissionRow(submission({ status: 'IN_REVIEW', attempt: 2, executionArn: 'other' })),
    });
    await expect(reject(input)).rejects.toMatchObject({ name: 'WorkflowStateError' });
    expect(writesAttempted()).toBe(0);
  });
});
