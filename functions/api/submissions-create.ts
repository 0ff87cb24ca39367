import { randomUUID } from 'node:crypto';
import { getCustomerSnapshot as getCustomer } from '../adapters/customers-repo.ts';
import { schemeId } from '../adapters/env.ts';
import { presignUpload } from '../adapters/presign.ts';
import { createSubmission } from '../adapters/submissions-repo.ts';
import { now } from '../core/clock.ts';
import { NotFound } from '../core/errors.ts';
import { getScheme } from '../core/scheme.ts';
import {
  checkAgainstScheme,
  createSubmissionSchema,
  draftSubmission,
  intakeKeyOf,
} from '../core/submissions.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/** `POST /submissions`: a draft with one presigned upload URL per document. */
export const handler = apiHandler(
  'submissions-create',
  async function handleSubmissionsCreate({ actor, body }) {
    const scheme = getScheme(schemeId());
    const input = parseInput(createSubmissionSchema(scheme), body);
    checkAgainstScheme(scheme, input);

    const customer = await getCustomer(input.customerId);
    if (!customer) throw new NotFound('customer', input.customerId);

    const time = now();
    const draft = draftSubmission({
      scheme,
      input,
      actor,
      customer,
      submissionId: randomUUID(),
      documentIds: input.documents.map(() => randomUUID()),
      now: time,
    });
    const submission = draft.submission;
    // Each document's upload URL carries an id of its own, so a PUT can be traced to its URL.
    const documents = draft.documents.map((d) => ({ ...d, uploadId: randomUUID() }));
    const uploads = await Promise.all(
      documents.map((d) =>
        presignUpload({
          key: intakeKeyOf(d),
          contentType: d.contentType,
          size: d.size,
          sha256Hex: d.sha256,
          uploadId: d.uploadId,
          expiresIn: scheme.limits.uploadUrlSeconds,
          now: time,
        }),
      ),
    );
    await createSubmission(submission, documents, {
      action: 'submission.created',
      actor,
      targetType: 'submission',
      targetId: submission.submissionId,
      at: time.toISOString(),
      after: {
        customerId: submission.customerId,
        businessEvent: submission.businessEvent,
        documents: documents.map((d) => ({
          documentId: d.documentId,
          docType: d.docType,
          sha256: d.sha256,
          size: d.size,
        })),
      },
    });
    return {
      status: 201,
      body: {
        submissionId: submission.submissionId,
        status: submission.status,
        documents: documents.map((d, i) => ({
          documentId: d.documentId,
          docType: d.docType,
          title: d.title,
          upload: uploads[i],
        })),
      },
    };
  },
);
