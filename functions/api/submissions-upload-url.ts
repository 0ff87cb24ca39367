import { randomUUID } from 'node:crypto';
import { getDocument, replaceDeclaredFile } from '../adapters/documents-repo.ts';
import { presignUpload } from '../adapters/presign.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { now } from '../core/clock.ts';
import { Conflict, NotFound } from '../core/errors.ts';
import { getScheme } from '../core/scheme.ts';
import { assertReplaceable, checkReplacement, intakeKeyOf, replaceFileSchema } from '../core/submissions.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * `POST /submissions/{submissionId}/documents/{documentId}/upload-url`: the clerk replaces a
 * document's file while the submission is a draft or rejected (an unreadable scan, a file the
 * checks refused). The new URL is bound to the new checksum; the document waits for the upload.
 */
export const handler = apiHandler(
  'submissions-upload-url',
  async function handleSubmissionsUploadUrl({ actor, body, path }) {
    const submissionId = path.submissionId ?? '';
    const documentId = path.documentId ?? '';
    const submission = await getSubmission(submissionId);
    if (!submission) throw new NotFound('submission', submissionId);
    const scheme = getScheme(submission.schemeId);
    const input = parseInput(replaceFileSchema, body);
    const doc = assertReplaceable(actor, submission, documentId, await getDocument(documentId));
    // Without a new name the document keeps its own, which must then agree with the new type.
    checkReplacement(scheme, input, doc.fileName);

    const time = now();
    const at = time.toISOString();
    // A new URL, a new upload id: an upload through any earlier URL of the document is inert.
    const uploadId = randomUUID();
    const replaced = await replaceDeclaredFile(doc, actor.sub, { ...input, uploadId }, at, {
      action: 'document.file-replaced',
      actor,
      targetType: 'document',
      targetId: documentId,
      at,
      before: { fileName: doc.fileName, contentType: doc.contentType, size: doc.size, sha256: doc.sha256 },
      after: {
        fileName: input.fileName ?? doc.fileName,
        contentType: input.contentType,
        size: input.size,
        sha256: input.sha256,
      },
    });
    if (!replaced)
      throw new Conflict(`submission ${submissionId} changed meanwhile; its files can no longer be replaced`);
    const upload = await presignUpload({
      key: intakeKeyOf(doc),
      contentType: input.contentType,
      size: input.size,
      sha256Hex: input.sha256,
      uploadId,
      expiresIn: scheme.limits.uploadUrlSeconds,
      now: time,
    });
    return { status: 200, body: { documentId, status: 'PENDING_UPLOAD', upload } };
  },
);
