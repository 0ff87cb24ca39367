import * as z from 'zod/mini';
import {
  type DocumentRecord,
  type DocumentView,
  documentChecks,
  documentView,
  shelfLocationSchema,
} from './documents.ts';
import { BadRequest, Conflict, type FieldError, Forbidden, NotFound, PayloadTooLarge } from './errors.ts';
import { extensionProblem, fileNameProblem, titleProblem } from './file-names.ts';
import { INTAKE_PREFIX } from './intake-bucket.ts';
import type { Problem } from './intake-checks.ts';
import { lazySchema, problemOf } from './lazy-schema.ts';
import { type Actor, hasAnyRole, type Role } from './roles.ts';
import { businessEvent, documentType, type Scheme } from './scheme.ts';

/**
 * Submissions (移交批次): a set of documents for one customer and one business event, checked
 * and reviewed together. Lifecycle:
 * DRAFT → SUBMITTED → IN_REVIEW → ARCHIVED, or → REJECTED (from SUBMITTED when the intake checks
 * fail, from IN_REVIEW when the reviewer rejects or nobody reviews in time); a REJECTED
 * submission may be fixed and submitted again (a new attempt). A passing validation is stored
 * with the review task it opens; VALIDATED (a passing validation stored on its own) was written
 * by earlier versions and is still read as a state between the two.
 */

export const SUBMISSION_STATUSES = [
  'DRAFT',
  'SUBMITTED',
  'VALIDATED',
  'IN_REVIEW',
  'ARCHIVED',
  'REJECTED',
] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** States from which a clerk may (re)submit, and in which uploads are still accepted. */
export const OPEN_FOR_CHANGES: readonly SubmissionStatus[] = ['DRAFT', 'REJECTED'];
/** Document states an upload may (re)place. */
export const UPLOADABLE_DOCUMENT: readonly DocumentRecord['status'][] = ['PENDING_UPLOAD', 'UPLOADED'];

/**
 * Why a submission went back to its clerk, as a stable code (the workflow's states set it,
 * statemachines/intake-review-archive.asl.json): its checks failed, a malware scan did not
 * finish, nobody reviewed it in time, a reviewer sent it back (`reason` is their comment), or
 * archiving failed for good (`params.error` names the failure), or its workflow stopped and an
 * archivist repaired the record (`params.status`, the execution's end).
 */
export const REJECTION_CODES = [
  'checks-failed',
  'scan-unfinished',
  'review-timeout',
  'reviewer',
  'archive-failed',
  'workflow-stopped',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Who decided a rejection the workflow made on its own (`decidedBy`). */
export const SYSTEM_DECIDER = 'system';

export interface Rejection {
  /** Absent only on rejections recorded before rejections had codes. */
  code?: RejectionCode;
  params?: Record<string, string>;
  /** In words: Chinese and English for the system's reasons, the reviewer's comment as written. */
  reason: string;
  problems: Problem[];
  decidedBy: string;
  at: string;
  attempt: number;
}

export interface Submission {
  submissionId: string;
  schemeId: string;
  customerId: string;
  customerNo?: string;
  businessEvent: string;
  status: SubmissionStatus;
  /** Number of times submitted; the workflow execution of attempt n is named `<submissionId>-<n>`. */
  attempt: number;
  createdBy: string;
  createdByName: string;
  createdAt: string;
  updatedAt: string;
  documentIds: string[];
  executionArn?: string;
  submittedAt?: string;
  valid?: boolean;
  problems?: Problem[];
  validatedAt?: string;
  reviewTaskId?: string;
  reviewOpenedAt?: string;
  rejection?: Rejection;
  archivedAt?: string;
  decidedBy?: string;
  /** A row of an import batch (core/imports.ts): reviewed with its batch, not on its own. */
  importId?: string;
  importRow?: number;
}

// ---- Creating ----------------------------------------------------------------------------------

const SHA256_ANY_CASE = /^[0-9a-fA-F]{64}$/;

/**
 * `POST /submissions` body; the number of documents comes from the scheme's limits. A title or
 * file name with a control or bidirectional formatting character, or out of its length bounds,
 * is refused, not cleaned up (functions/core/file-names.ts); only surrounding spaces are trimmed.
 */
export function createSubmissionSchema(scheme: Scheme) {
  const doc = z.strictObject({
    docType: z.string().check(z.minLength(1), z.maxLength(12)),
    title: z.string().check(z.superRefine(problemOf(titleProblem)), z.trim()),
    fileName: z.string().check(z.superRefine(problemOf(fileNameProblem)), z.trim()),
    contentType: z.string().check(z.minLength(1), z.maxLength(100)),
    size: z.number().check(z.int(), z.minimum(1, 'size must be at least 1 byte')),
    sha256: z.pipe(
      z.string().check(z.regex(SHA256_ANY_CASE, 'sha256 must be 64 hex characters')),
      z.transform((s) => s.toLowerCase()),
    ),
    /** Required for paper originals (the scheme's `paper` types), refused for others. */
    location: z.optional(shelfLocationSchema),
  });
  return z.strictObject({
    customerId: z.string().check(z.minLength(1), z.maxLength(100)),
    businessEvent: z.string().check(z.minLength(1), z.maxLength(12)),
    documents: z.array(doc).check(z.minLength(1), z.maxLength(scheme.limits.maxDocumentsPerSubmission)),
  });
}

export type CreateSubmissionInput = z.infer<ReturnType<typeof createSubmissionSchema>>;

/**
 * Checks a well-formed request against the scheme: documents above the size limit are a 413;
 * an unknown event, a type not filed under the event, a content type off the list or a file
 * name whose extension does not agree with its content type a 400.
 */
export function checkAgainstScheme(scheme: Scheme, input: CreateSubmissionInput): void {
  const max = scheme.limits.maxDocumentBytes;
  const tooLarge = input.documents.flatMap((d, i) =>
    d.size > max ? [`documents.${i}.size: ${d.size} bytes exceeds the limit of ${max} bytes`] : [],
  );
  if (tooLarge.length > 0) throw new PayloadTooLarge(tooLarge.join('; '));

  const errors: FieldError[] = [];
  const event = businessEvent(scheme, input.businessEvent);
  if (!event) {
    errors.push({
      path: 'businessEvent',
      message: `unknown business event ${input.businessEvent}; the scheme has ${scheme.businessEvents.map((e) => e.code).join(', ')}`,
    });
  }
  const allowedTypes = event ? [...event.required, ...event.optional] : [];
  input.documents.forEach((d, i) => {
    const type = documentType(scheme, d.docType);
    if (type?.paper && d.location === undefined) {
      errors.push({
        path: `documents.${i}.location`,
        message: `${d.docType} is a paper original: give where it is shelved {room, cabinet, box}`,
      });
    } else if (type && !type.paper && d.location !== undefined) {
      errors.push({
        path: `documents.${i}.location`,
        message: `${d.docType} is not a paper original; only paper originals have a shelf location`,
      });
    }
    if (!type) {
      errors.push({ path: `documents.${i}.docType`, message: `unknown document type ${d.docType}` });
    } else if (event && !allowedTypes.includes(d.docType)) {
      errors.push({
        path: `documents.${i}.docType`,
        message: `${d.docType} is not filed under ${event.code}; allowed: ${allowedTypes.join(', ')}`,
      });
    }
    if (!scheme.contentTypes.includes(d.contentType)) {
      errors.push({
        path: `documents.${i}.contentType`,
        message: `content type ${d.contentType} is not accepted; allowed: ${scheme.contentTypes.join(', ')}`,
      });
    } else {
      const problem = extensionProblem(d.fileName, d.contentType);
      if (problem) errors.push({ path: `documents.${i}.fileName`, message: problem });
    }
  });
  if (errors.length > 0) {
    throw new BadRequest(
      `invalid request: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
}

/** Where a document's scan is uploaded in the intake bucket. */
export const intakeKey = (submissionId: string, documentId: string): string =>
  `${INTAKE_PREFIX}${submissionId}/${documentId}`;

/**
 * A document's intake key, from its own ids: it is not stored on the document (items written by
 * earlier versions still carry an `intakeKey` attribute, always this same key).
 */
export const intakeKeyOf = (doc: Pick<DocumentRecord, 'submissionId' | 'documentId'>): string =>
  intakeKey(doc.submissionId, doc.documentId);

const INTAKE_KEY = /^intake\/([A-Za-z0-9-]{1,64})\/([A-Za-z0-9-]{1,64})$/;

/** Reads an intake key back; undefined for any other key. */
export function parseIntakeKey(key: string): { submissionId: string; documentId: string } | undefined {
  const m = INTAKE_KEY.exec(key);
  if (!m?.[1] || !m[2]) return undefined;
  return { submissionId: m[1], documentId: m[2] };
}

export interface DraftArgs {
  scheme: Scheme;
  input: CreateSubmissionInput;
  actor: Actor;
  customer: { customerId: string; customerNo?: string };
  submissionId: string;
  /** One per input document, in order. */
  documentIds: readonly string[];
  now: Date;
}

/** The records a new draft consists of. */
export function draftSubmission(args: DraftArgs): { submission: Submission; documents: DocumentRecord[] } {
  const { scheme, input, actor, customer, submissionId, now } = args;
  if (args.documentIds.length !== input.documents.length) {
    throw new Error('one document id per document is needed');
  }
  const at = now.toISOString();
  const documents: DocumentRecord[] = input.documents.map((d, i) => {
    const documentId = args.documentIds[i] as string;
    return {
      documentId,
      submissionId,
      customerId: customer.customerId,
      schemeId: scheme.id,
      businessEvent: input.businessEvent,
      docType: d.docType,
      title: d.title,
      fileName: d.fileName,
      contentType: d.contentType,
      size: d.size,
      sha256: d.sha256,
      status: 'PENDING_UPLOAD',
      createdAt: at,
      createdBy: actor.sub,
      updatedAt: at,
      ...(d.location === undefined ? {} : { location: d.location }),
    };
  });
  const submission: Submission = {
    submissionId,
    schemeId: scheme.id,
    customerId: customer.customerId,
    ...(customer.customerNo === undefined ? {} : { customerNo: customer.customerNo }),
    businessEvent: input.businessEvent,
    status: 'DRAFT',
    attempt: 0,
    createdBy: actor.sub,
    createdByName: actor.username,
    createdAt: at,
    updatedAt: at,
    documentIds: documents.map((d) => d.documentId),
  };
  return { submission, documents };
}

// ---- Replacing a file ---------------------------------------------------------------------------

/**
 * `POST /submissions/{id}/documents/{documentId}/upload-url` body: the file that will replace the
 * old one. Without a fileName the document keeps its name (whose extension must then agree with
 * the new content type: `checkReplacement`); a fileName is refused as in `createSubmissionSchema`.
 */
export const replaceFileSchema = lazySchema(() =>
  z.strictObject({
    fileName: z.optional(z.string().check(z.superRefine(problemOf(fileNameProblem)), z.trim())),
    contentType: z.string().check(z.minLength(1), z.maxLength(100)),
    size: z.number().check(z.int(), z.minimum(1, 'size must be at least 1 byte')),
    sha256: z.pipe(
      z.string().check(z.regex(SHA256_ANY_CASE, 'sha256 must be 64 hex characters')),
      z.transform((s) => s.toLowerCase()),
    ),
  }),
);

export type ReplaceFileInput = z.infer<typeof replaceFileSchema>;

/**
 * The replacement file against the scheme: above the size limit a 413; a type off the list, or a
 * file name whose extension does not agree with the new type, a 400. Without a new fileName the
 * document keeps `existingFileName`, so that is the name the new type must agree with (a PDF
 * replaced by a PNG needs a new name), and the error names `fileName` as the field to send.
 */
export function checkReplacement(scheme: Scheme, input: ReplaceFileInput, existingFileName?: string): void {
  if (input.size > scheme.limits.maxDocumentBytes) {
    throw new PayloadTooLarge(
      `size: ${input.size} bytes exceeds the limit of ${scheme.limits.maxDocumentBytes} bytes`,
    );
  }
  const errors: FieldError[] = [];
  if (!scheme.contentTypes.includes(input.contentType)) {
    errors.push({
      path: 'contentType',
      message: `content type ${input.contentType} is not accepted; allowed: ${scheme.contentTypes.join(', ')}`,
    });
  } else if (input.fileName !== undefined) {
    const problem = extensionProblem(input.fileName, input.contentType);
    if (problem) errors.push({ path: 'fileName', message: problem });
  } else if (existingFileName !== undefined) {
    const problem = extensionProblem(existingFileName, input.contentType, "the document's fileName");
    if (problem) {
      errors.push({
        path: 'fileName',
        message: `${problem}; send the new file's fileName too`,
      });
    }
  }
  if (errors.length > 0) {
    throw new BadRequest(
      `invalid request: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
}

/**
 * A clerk may replace a file of their own submission while it is open for changes (DRAFT, or
 * REJECTED and waiting to be fixed): a new upload URL, bound to the new checksum, is issued and
 * the document waits for the upload again.
 */
export function assertReplaceable(
  actor: Actor,
  submission: Submission,
  documentId: string,
  doc: DocumentRecord | undefined,
): DocumentRecord {
  if (submission.createdBy !== actor.sub) {
    throw new Forbidden(`submission ${submission.submissionId} belongs to another clerk`);
  }
  if (!doc || doc.submissionId !== submission.submissionId) {
    throw new NotFound('document', `${documentId} in submission ${submission.submissionId}`);
  }
  if (!OPEN_FOR_CHANGES.includes(submission.status)) {
    throw new Conflict(
      `submission ${submission.submissionId} is ${submission.status}; files can only be replaced in DRAFT or REJECTED`,
    );
  }
  if (!UPLOADABLE_DOCUMENT.includes(doc.status)) {
    throw new Conflict(`document ${doc.documentId} is ${doc.status}; its file can no longer be replaced`);
  }
  return doc;
}

// ---- Reading and submitting ----------------------------------------------------------------

const READ_ANY: readonly Role[] = ['reviewer', 'archivist', 'auditor'];

/** Reviewers, archivists and auditors read any submission; a clerk reads their own. */
export function canViewSubmission(actor: Actor, submission: Pick<Submission, 'createdBy'>): boolean {
  if (hasAnyRole(actor, READ_ANY)) return true;
  return hasAnyRole(actor, ['clerk']) && submission.createdBy === actor.sub;
}

/** Throws the API's answer when the clerk may not submit now. */
export function assertSubmittable(
  actor: Actor,
  submission: Submission,
  documents: readonly DocumentRecord[],
): void {
  if (submission.createdBy !== actor.sub) {
    throw new Forbidden(`submission ${submission.submissionId} belongs to another clerk`);
  }
  if (!OPEN_FOR_CHANGES.includes(submission.status)) {
    throw new Conflict(
      `submission ${submission.submissionId} is already submitted (status ${submission.status})`,
    );
  }
  const byId = new Map(documents.map((d) => [d.documentId, d]));
  const missing = submission.documentIds.flatMap((id) => {
    const d = byId.get(id);
    if (d?.status === 'UPLOADED') return [];
    return [{ documentId: id, docType: d?.docType, title: d?.title, status: d?.status ?? 'MISSING' }];
  });
  if (missing.length > 0) {
    throw new Conflict(
      `not every document is uploaded: ${missing.map((m) => `${m.documentId} (${m.docType ?? '?'}, ${m.status})`).join(', ')}`,
      { missing },
    );
  }
}

/** Deterministic execution name: a repeated submit of the same attempt starts nothing new. */
export const executionName = (submissionId: string, attempt: number): string => `${submissionId}-${attempt}`;

export interface IntakeWorkflowInput {
  submissionId: string;
  attempt: number;
  reviewTimeoutSeconds: number;
}

export function intakeWorkflowInput(
  submissionId: string,
  attempt: number,
  scheme: Scheme,
): IntakeWorkflowInput {
  return { submissionId, attempt, reviewTimeoutSeconds: scheme.limits.reviewTimeoutHours * 3600 };
}

export function submissionView(
  submission: Submission,
  documents: readonly DocumentRecord[],
  scheme: Scheme,
  actor: Actor,
  options: { showsScans?: boolean } = {},
) {
  const byId = new Map(documents.map((d) => [d.documentId, d]));
  const validatedAt = submission.validatedAt;
  const docs: DocumentView[] = submission.documentIds.flatMap((id) => {
    const d = byId.get(id);
    if (!d) return [];
    // The last validation's checks, unless the file was replaced (uploaded again) since.
    const checked = validatedAt !== undefined && d.uploadedAt !== undefined && d.uploadedAt <= validatedAt;
    return [
      documentView(d, scheme, actor, checked ? documentChecks(submission.problems ?? [], id) : undefined, {
        showsScan: options.showsScans === true,
      }),
    ];
  });
  return {
    submissionId: submission.submissionId,
    customerId: submission.customerId,
    ...(submission.customerNo === undefined ? {} : { customerNo: submission.customerNo }),
    businessEvent: submission.businessEvent,
    status: submission.status,
    attempt: submission.attempt,
    createdBy: submission.createdByName,
    createdAt: submission.createdAt,
    updatedAt: submission.updatedAt,
    ...(submission.submittedAt === undefined ? {} : { submittedAt: submission.submittedAt }),
    ...(submission.validatedAt === undefined
      ? {}
      : {
          validation: {
            valid: submission.valid ?? false,
            problems: submission.problems ?? [],
            at: submission.validatedAt,
          },
        }),
    ...(submission.rejection === undefined ? {} : { rejection: submission.rejection }),
    ...(submission.archivedAt === undefined ? {} : { archivedAt: submission.archivedAt }),
    documents: docs,
  };
}
