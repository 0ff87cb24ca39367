import type { Customer, DocumentStatus, Scheme, SubmissionView, Upload } from '../../api.ts';
import { formatBytes } from '../../dom.ts';
import { t } from '../../i18n.ts';
import { contentTypeOf } from '../../upload.ts';

/**
 * The clerk's draft (档案移交): the customer, the business event and the files chosen, then the
 * submission created for them and each file's way to storage. It is kept while the console is
 * open, so a language switch or a visit elsewhere loses nothing. The steps of the clerk's page
 * read it through `draft()` and change it only through the functions here.
 */

export type RowState = 'hashing' | 'ready' | 'invalid' | 'uploading' | 'retrying' | 'sent' | 'failed';

/** One file of the draft. */
export interface Row {
  id: number;
  file: File;
  contentType: string;
  docType: string;
  title: string;
  titleTouched: boolean;
  sha256?: string;
  state: RowState;
  sent: number;
  attempt: number;
  error?: string;
  documentId?: string;
  upload?: Upload;
  /** Status the API reports for the document (PENDING_UPLOAD, UPLOADED). */
  apiStatus?: DocumentStatus;
}

export interface Draft {
  customer?: Customer;
  event?: string;
  rows: Row[];
  /** Set once the submission is created: from then on customer, event and files are fixed. */
  submissionId?: string;
  uploading: boolean;
  submitting: boolean;
}

const emptyDraft = (): Draft => ({ rows: [], uploading: false, submitting: false });

let nextRowId = 1;
let current: Draft = emptyDraft();

export const draft = (): Readonly<Draft> => current;

/** Starts a new draft (after a submission, or when the clerk asks for one). */
export function resetDraft(): void {
  current = emptyDraft();
}

/** Whether the submission was created: customer, event and files can no longer change. */
export const locked = (): boolean => current.submissionId !== undefined;

// ---- Reading the draft against the scheme ------------------------------------------------------

export const eventOf = (scheme: Scheme) => scheme.businessEvents.find((e) => e.code === current.event);

/** Document types the chosen business event takes, required first. */
export function allowedTypes(scheme: Scheme): string[] {
  const e = eventOf(scheme);
  return e ? [...e.required, ...e.optional] : [];
}

/** Whether storage reported the file's upload to the API: the server has the document. */
const accepted = (r: Row): boolean => r.state === 'sent' && r.apiStatus === 'UPLOADED';

/**
 * Document types of files that may still become documents: chosen, not refused by the page (a
 * type, size or format the scheme does not take) and not failed on their way to storage.
 */
export function typesChosen(scheme: Scheme): Set<string> {
  const usable = current.rows.filter(
    (r) => r.state !== 'invalid' && r.state !== 'failed' && rowProblem(scheme, r) === undefined,
  );
  return new Set(usable.map((r) => r.docType));
}

/** Document types the server holds a document of (its upload reported): only these are ticked off. */
export const typesAccepted = (): Set<string> => new Set(current.rows.filter(accepted).map((r) => r.docType));

/** Required document types of the event that no usable file is. */
export function missingRequired(scheme: Scheme): string[] {
  const e = eventOf(scheme);
  if (!e) return [];
  const have = typesChosen(scheme);
  return e.required.filter((code) => !have.has(code));
}

/**
 * A document type for a file: one of the event's whose code or name the file name mentions, else
 * the first required (then optional) type no other file is yet.
 */
export function guessType(scheme: Scheme, fileName: string, self?: Row): string {
  const allowed = allowedTypes(scheme);
  const lower = fileName.toLowerCase();
  const byName = allowed.find((code) => {
    const d = scheme.documentTypes.find((x) => x.code === code);
    return (
      lower.includes(code.toLowerCase()) ||
      (d && (fileName.includes(d.name.zh) || lower.includes(d.name.en.toLowerCase())))
    );
  });
  if (byName) return byName;
  const taken = new Set(current.rows.filter((r) => r !== self).map((r) => r.docType));
  const e = eventOf(scheme);
  return e?.required.find((c) => !taken.has(c)) ?? e?.optional.find((c) => !taken.has(c)) ?? '';
}

/** What keeps a file from being sent, in words; undefined when nothing does. */
export function rowProblem(scheme: Scheme, r: Row): string | undefined {
  if (!scheme.contentTypes.includes(r.contentType)) return t('typeNotAllowed', { type: r.contentType });
  if (r.file.size > scheme.limits.maxDocumentBytes)
    return t('tooLarge', { max: formatBytes(scheme.limits.maxDocumentBytes) });
  if (r.file.size === 0) return t('invalid');
  if (!r.docType) return t('chooseType');
  if (current.event && !allowedTypes(scheme).includes(r.docType)) return t('typeNotInEvent');
  return undefined;
}

/** The title a file gets when the clerk gives none: its type's name. */
export function defaultTitle(scheme: Scheme, r: Row): string {
  if (!r.docType) return '';
  const d = scheme.documentTypes.find((x) => x.code === r.docType);
  return d ? d.name.zh : r.docType;
}

export const percent = (r: Row): number => (r.file.size === 0 ? 0 : Math.round((r.sent / r.file.size) * 100));

/** Whether the submission may be created: customer, event, every file ready and no required type missing. */
export const canCreate = (scheme: Scheme): boolean =>
  !locked() &&
  !current.uploading &&
  current.customer !== undefined &&
  current.event !== undefined &&
  current.rows.length > 0 &&
  current.rows.every((r) => r.state === 'ready' && rowProblem(scheme, r) === undefined) &&
  missingRequired(scheme).length === 0;

/** Whether storage has reported every file: the submission may be submitted. */
export const allConfirmed = (): boolean => locked() && current.rows.every(accepted);

// ---- Customer, event and files -----------------------------------------------------------------

export function chooseCustomer(customer: Customer | undefined): void {
  current.customer = customer;
}

/** Picks the business event; files whose type the event does not take get a guessed one. */
export function chooseEvent(scheme: Scheme, code: string | undefined): void {
  current.event = code;
  const allowed = allowedTypes(scheme);
  for (const r of current.rows)
    if (!r.docType || !allowed.includes(r.docType)) r.docType = guessType(scheme, r.file.name, r);
}

/** Adds files (their SHA-256 still to compute); returns their rows. */
export function addFiles(scheme: Scheme, files: readonly File[]): Row[] {
  const added: Row[] = [];
  for (const file of files) {
    const row: Row = {
      id: nextRowId++,
      file,
      contentType: contentTypeOf(file),
      docType: '',
      title: '',
      titleTouched: false,
      state: 'hashing',
      sent: 0,
      attempt: 0,
    };
    row.docType = guessType(scheme, file.name);
    current.rows.push(row);
    added.push(row);
  }
  return added;
}

export function removeFile(r: Row): void {
  current.rows = current.rows.filter((x) => x !== r);
}

/** A new type for a file; a title the clerk did not type follows the type. */
export function setType(r: Row, docType: string): void {
  r.docType = docType;
  if (!r.titleTouched) r.title = '';
}

export function setTitle(r: Row, title: string): void {
  r.title = title;
  r.titleTouched = true;
}

export function hashed(r: Row, sha256: string): void {
  r.sha256 = sha256;
  r.state = 'ready';
}

/** A file that could not be read (`invalid`) or sent (`failed`), and why. */
export function fileFailed(r: Row, state: 'invalid' | 'failed', error: string): void {
  r.state = state;
  r.error = error;
}

// ---- The submission and the uploads --------------------------------------------------------------

export function setUploading(uploading: boolean): void {
  current.uploading = uploading;
}

export function setSubmitting(submitting: boolean): void {
  current.submitting = submitting;
}

/** Titles not given become the type's name, before the submission is created. */
export function fillTitles(scheme: Scheme): void {
  for (const r of current.rows) if (!r.title.trim()) r.title = defaultTitle(scheme, r);
}

/** The submission the API created: its id, and each file's document and upload URL, in order. */
export function created(
  submissionId: string,
  documents: readonly { documentId: string; upload: Upload }[],
): void {
  current.submissionId = submissionId;
  documents.forEach((d, i) => {
    const r = current.rows[i];
    if (r) {
      r.documentId = d.documentId;
      r.upload = d.upload;
    }
  });
}

export function uploadStarted(r: Row): void {
  r.state = 'uploading';
  r.error = undefined;
  r.attempt = 1;
}

export function uploadProgress(r: Row, sent: number): void {
  r.sent = sent;
}

export function uploadRetrying(r: Row, attempt: number): void {
  r.attempt = attempt;
  r.state = 'retrying';
}

/** The PUT succeeded, through `upload` (a renewed URL, perhaps). */
export function uploadSent(r: Row, upload: Upload): void {
  r.upload = upload;
  r.state = 'sent';
}

/** Takes the documents' statuses the API reports; returns the rows whose status changed. */
export function storageReported(documents: SubmissionView['documents']): Row[] {
  const changed: Row[] = [];
  for (const d of documents) {
    const r = current.rows.find((x) => x.documentId === d.documentId);
    if (r && r.apiStatus !== d.status) {
      r.apiStatus = d.status;
      changed.push(r);
    }
  }
  return changed;
}
