import {
  CHECK_NAMES,
  type CheckName,
  type CheckResult,
  type DocumentChecks,
  type DocumentRecord,
} from './documents.ts';
import { businessEvent, documentType, type Scheme } from './scheme.ts';

/**
 * The four checks of DA/T 70 (四性检测) as they apply at intake, run on what storage reported
 * about each upload:
 * - authenticity (真实性): the SHA-256 storage computed equals the one the clerk declared;
 * - integrity (完整性): the business event's required document types are all present, each
 *   declared document was uploaded with the declared size, its metadata is complete;
 * - usability (可用性): the bytes are of the declared type, and that type is on the scheme's list;
 * - safety (安全性): the malware scan found no threat.
 */

export interface Problem {
  documentId?: string;
  check: CheckName;
  message: string;
}

/** The malware scan status of each object, GuardDuty's vocabulary; undefined when never scanned. */
export const CLEAN_SCAN = 'NO_THREATS_FOUND';
export const INFECTED_SCAN = 'THREATS_FOUND';

export interface IntakeCheckInput {
  scheme: Scheme;
  submission: { businessEvent: string; documentIds: readonly string[] };
  documents: readonly DocumentRecord[];
  /** Scan status per documentId. */
  scans: Readonly<Record<string, string | undefined>>;
  /**
   * A migrated row (core/imports.ts) comes one document at a time from an archive that filed it
   * long ago: the event's required types are not asked of it; every other check is.
   */
  migrated?: boolean;
}

export interface IntakeCheckOutcome {
  valid: boolean;
  problems: Problem[];
  /** Results per documentId. */
  checks: Record<string, DocumentChecks>;
}

const short = (hex: string | undefined) => (hex ? `${hex.slice(0, 12)}…` : '(none)');

function result(messages: string[]): CheckResult {
  return { passed: messages.length === 0, messages };
}

function checkDocument(
  scheme: Scheme,
  allowedTypes: readonly string[],
  doc: DocumentRecord,
  scan: string | undefined,
): DocumentChecks {
  const authenticity: string[] = [];
  if (!doc.receivedSha256) authenticity.push('storage recorded no SHA-256 for the upload');
  else if (doc.receivedSha256 !== doc.sha256) {
    authenticity.push(
      `SHA-256 of the upload ${short(doc.receivedSha256)} differs from the declared ${short(doc.sha256)}`,
    );
  }

  const integrity: string[] = [];
  if (doc.status !== 'UPLOADED' && doc.status !== 'ARCHIVED') integrity.push(`not uploaded (${doc.status})`);
  if (doc.receivedSize === undefined) integrity.push('storage recorded no size for the upload');
  else if (doc.receivedSize !== doc.size) {
    integrity.push(`uploaded ${doc.receivedSize} bytes, declared ${doc.size}`);
  }
  for (const field of ['title', 'fileName', 'docType', 'contentType', 'sha256'] as const) {
    if (typeof doc[field] !== 'string' || doc[field].trim() === '')
      integrity.push(`metadata ${field} is missing`);
  }
  if (!documentType(scheme, doc.docType)) integrity.push(`document type ${doc.docType} is not in the scheme`);
  else if (!allowedTypes.includes(doc.docType)) {
    integrity.push(`document type ${doc.docType} is not filed under ${doc.businessEvent}`);
  }

  const usability: string[] = [];
  if (!scheme.contentTypes.includes(doc.contentType)) {
    usability.push(`content type ${doc.contentType} is not on the scheme's list`);
  }
  if (!doc.sniffedType) usability.push('the file type of the upload is unknown');
  else if (doc.sniffedType !== doc.contentType) {
    usability.push(`the file is ${doc.sniffedType}, declared ${doc.contentType}`);
  }

  const safety: string[] = [];
  if (scan === undefined) safety.push('the upload has not been scanned for malware');
  else if (scan === INFECTED_SCAN) safety.push('the malware scan found a threat');
  else if (scan !== CLEAN_SCAN) safety.push(`the malware scan did not complete (${scan})`);

  return {
    authenticity: result(authenticity),
    integrity: result(integrity),
    usability: result(usability),
    safety: result(safety),
  };
}

export function runIntakeChecks(input: IntakeCheckInput): IntakeCheckOutcome {
  const { scheme, submission, documents, scans } = input;
  const problems: Problem[] = [];
  const event = businessEvent(scheme, submission.businessEvent);
  if (!event) {
    problems.push({
      check: 'integrity',
      message: `business event ${submission.businessEvent} is not in the scheme`,
    });
  }
  const allowedTypes = event ? [...event.required, ...event.optional] : [];

  const byId = new Map(documents.map((d) => [d.documentId, d]));
  const present = submission.documentIds.flatMap((id) => {
    const d = byId.get(id);
    if (!d) problems.push({ documentId: id, check: 'integrity', message: `document ${id} has no record` });
    return d ? [d] : [];
  });
  if (present.length === 0) problems.push({ check: 'integrity', message: 'the submission has no documents' });

  const types = new Set(present.map((d) => d.docType));
  const missingTypes = input.migrated ? [] : (event?.required ?? []).filter((t) => !types.has(t));
  if (missingTypes.length > 0) {
    problems.push({
      check: 'integrity',
      message: `required document types missing for ${submission.businessEvent}: ${missingTypes.join(', ')}`,
    });
  }

  const checks: Record<string, DocumentChecks> = {};
  for (const doc of present) {
    const c = checkDocument(scheme, allowedTypes, doc, scans[doc.documentId]);
    checks[doc.documentId] = c;
    for (const name of CHECK_NAMES) {
      for (const message of c[name].messages)
        problems.push({ documentId: doc.documentId, check: name, message });
    }
  }
  return { valid: problems.length === 0, problems, checks };
}
