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

/**
 * What a check found, as a stable code: the console words each in the reader's language from
 * the code and its `params`; `message` says the same in English for other clients.
 */
export const PROBLEM_CODES = [
  'sha256.unrecorded',
  'sha256.mismatch',
  'not-uploaded',
  'size.unrecorded',
  'size.mismatch',
  'metadata.missing',
  'docType.unknown',
  'docType.not-in-event',
  'contentType.not-allowed',
  'fileType.unknown',
  'fileType.mismatch',
  'scan.missing',
  'scan.threat',
  'scan.incomplete',
  'event.unknown',
  'document.no-record',
  'documents.none',
  'required.missing',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];
/** The values a problem names: sizes, types, the field or document types concerned. */
export type ProblemParams = Record<string, string | number>;

export interface Problem {
  documentId?: string;
  check: CheckName;
  /** Absent only on problems recorded before problems had codes. */
  code?: ProblemCode;
  params?: ProblemParams;
  message: string;
}

/** A problem of one check, before it is tied to a check and a document. */
interface Finding {
  code: ProblemCode;
  params?: ProblemParams;
  message: string;
}

const found = (code: ProblemCode, message: string, params?: ProblemParams): Finding => ({
  code,
  message,
  ...(params ? { params } : {}),
});

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

function result(findings: Finding[]): CheckResult {
  return {
    passed: findings.length === 0,
    messages: findings.map((f) => f.message),
    findings: findings.map(({ code, params }) => ({ code, ...(params ? { params } : {}) })),
  };
}

function checkDocument(
  scheme: Scheme,
  allowedTypes: readonly string[],
  doc: DocumentRecord,
  scan: string | undefined,
): Record<CheckName, Finding[]> {
  const authenticity: Finding[] = [];
  if (!doc.receivedSha256) {
    authenticity.push(found('sha256.unrecorded', 'storage recorded no SHA-256 for the upload'));
  } else if (doc.receivedSha256 !== doc.sha256) {
    authenticity.push(
      found(
        'sha256.mismatch',
        `SHA-256 of the upload ${short(doc.receivedSha256)} differs from the declared ${short(doc.sha256)}`,
        { received: short(doc.receivedSha256), declared: short(doc.sha256) },
      ),
    );
  }

  const integrity: Finding[] = [];
  if (doc.status !== 'UPLOADED' && doc.status !== 'ARCHIVED') {
    integrity.push(found('not-uploaded', `not uploaded (${doc.status})`, { status: doc.status }));
  }
  if (doc.receivedSize === undefined) {
    integrity.push(found('size.unrecorded', 'storage recorded no size for the upload'));
  } else if (doc.receivedSize !== doc.size) {
    integrity.push(
      found('size.mismatch', `uploaded ${doc.receivedSize} bytes, declared ${doc.size}`, {
        received: doc.receivedSize,
        declared: doc.size,
      }),
    );
  }
  for (const field of ['title', 'fileName', 'docType', 'contentType', 'sha256'] as const) {
    if (typeof doc[field] !== 'string' || doc[field].trim() === '')
      integrity.push(found('metadata.missing', `metadata ${field} is missing`, { field }));
  }
  if (!documentType(scheme, doc.docType)) {
    integrity.push(
      found('docType.unknown', `document type ${doc.docType} is not in the scheme`, { docType: doc.docType }),
    );
  } else if (!allowedTypes.includes(doc.docType)) {
    integrity.push(
      found('docType.not-in-event', `document type ${doc.docType} is not filed under ${doc.businessEvent}`, {
        docType: doc.docType,
        businessEvent: doc.businessEvent,
      }),
    );
  }

  const usability: Finding[] = [];
  if (!scheme.contentTypes.includes(doc.contentType)) {
    usability.push(
      found('contentType.not-allowed', `content type ${doc.contentType} is not on the scheme's list`, {
        contentType: doc.contentType,
      }),
    );
  }
  if (!doc.sniffedType) usability.push(found('fileType.unknown', 'the file type of the upload is unknown'));
  else if (doc.sniffedType !== doc.contentType) {
    usability.push(
      found('fileType.mismatch', `the file is ${doc.sniffedType}, declared ${doc.contentType}`, {
        found: doc.sniffedType,
        declared: doc.contentType,
      }),
    );
  }

  const safety: Finding[] = [];
  if (scan === undefined) safety.push(found('scan.missing', 'the upload has not been scanned for malware'));
  else if (scan === INFECTED_SCAN) safety.push(found('scan.threat', 'the malware scan found a threat'));
  else if (scan !== CLEAN_SCAN) {
    safety.push(found('scan.incomplete', `the malware scan did not complete (${scan})`, { scan }));
  }

  return { authenticity, integrity, usability, safety };
}

export function runIntakeChecks(input: IntakeCheckInput): IntakeCheckOutcome {
  const { scheme, submission, documents, scans } = input;
  const problems: Problem[] = [];
  const event = businessEvent(scheme, submission.businessEvent);
  if (!event) {
    problems.push({
      check: 'integrity',
      ...found('event.unknown', `business event ${submission.businessEvent} is not in the scheme`, {
        businessEvent: submission.businessEvent,
      }),
    });
  }
  const allowedTypes = event ? [...event.required, ...event.optional] : [];

  const byId = new Map(documents.map((d) => [d.documentId, d]));
  const present = submission.documentIds.flatMap((id) => {
    const d = byId.get(id);
    if (!d) {
      problems.push({
        documentId: id,
        check: 'integrity',
        ...found('document.no-record', `document ${id} has no record`, { documentId: id }),
      });
    }
    return d ? [d] : [];
  });
  if (present.length === 0) {
    problems.push({ check: 'integrity', ...found('documents.none', 'the submission has no documents') });
  }

  const types = new Set(present.map((d) => d.docType));
  const missingTypes = input.migrated ? [] : (event?.required ?? []).filter((t) => !types.has(t));
  if (missingTypes.length > 0) {
    problems.push({
      check: 'integrity',
      ...found(
        'required.missing',
        `required document types missing for ${submission.businessEvent}: ${missingTypes.join(', ')}`,
        { businessEvent: submission.businessEvent, docTypes: missingTypes.join(',') },
      ),
    });
  }

  const checks: Record<string, DocumentChecks> = {};
  for (const doc of present) {
    const findings = checkDocument(scheme, allowedTypes, doc, scans[doc.documentId]);
    const results = {} as DocumentChecks;
    for (const name of CHECK_NAMES) {
      results[name] = result(findings[name]);
      for (const f of findings[name]) problems.push({ documentId: doc.documentId, check: name, ...f });
    }
    checks[doc.documentId] = results;
  }
  return { valid: problems.length === 0, problems, checks };
}
