import type { Problem, Rejection, Scheme } from '../api.ts';
import { currentLang, fieldName, fieldValue, knows, named, phrase, t, word } from '../i18n.ts';
import { personName } from '../people.ts';

/**
 * Record contents in the reader's words: what the API gives as codes (problems, rejections,
 * formats, retention, changed fields, audit details) said in the console's language, with the
 * scheme's own names for its business events and document types.
 */

/** Formats by content type: the names people know them by. */
const FORMATS: Readonly<Record<string, string>> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/tiff': 'TIFF',
  'image/gif': 'GIF',
};

/** A format by its name; bytes nobody could type (`application/octet-stream`) as an unknown format. */
export const formatOf = (contentType: string): string =>
  contentType === 'application/octet-stream' ? t('unknownFormat') : (FORMATS[contentType] ?? contentType);

const docTypeName = (scheme: Scheme, code: string) =>
  named(scheme.documentTypes.find((d) => d.code === code)?.name, code);
const eventName = (scheme: Scheme, code: string) =>
  named(scheme.businessEvents.find((e) => e.code === code)?.name, code);

/** A problem's values in words: codes of the scheme by their names, formats, statuses, fields. */
function problemParams(p: Problem, scheme: Scheme): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(p.params ?? {})) {
    if (k === 'docType') out[k] = docTypeName(scheme, String(v));
    else if (k === 'docTypes')
      out[k] = String(v)
        .split(',')
        .map((c) => docTypeName(scheme, c))
        .join('、');
    else if (k === 'businessEvent') out[k] = eventName(scheme, String(v));
    else if (k === 'contentType' || k === 'found' || k === 'declared') {
      out[k] = typeof v === 'number' ? v : formatOf(v);
    } else if (k === 'status') out[k] = word('st', String(v));
    else if (k === 'field') out[k] = fieldName(String(v));
    else out[k] = v;
  }
  return out;
}

/** What an intake check found; a problem recorded before codes existed keeps its English. */
export const problemText = (p: Problem, scheme: Scheme): string =>
  p.code ? phrase('problem', p.code, problemParams(p, scheme)) : p.message;

/** Why a submission went back: the system's reason by its code; a reviewer's comment as written. */
export function rejectionText(r: Pick<Rejection, 'code' | 'params' | 'reason'>): string {
  if (!r.code) return r.reason;
  if (r.code === 'reviewer') return r.reason;
  return phrase('rejection', r.code, r.params ?? {});
}

/** A retention period with what starts it: 30 年 · 自销户之日起. */
export const retentionText = (code: string | undefined, trigger?: string): string =>
  code ? [word('retention', code), trigger ? word('trigger', trigger) : ''].filter(Boolean).join(' · ') : '';

/**
 * One value of a record, for histories and audit details: codes in words (the scheme's for its
 * customer types, document types and business events), lists and objects spelt out.
 */
export function valueText(field: string, value: unknown, scheme?: Scheme): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) {
    return value
      .map((v) => (typeof v === 'string' && knows('field', v) ? fieldName(v) : valueText(field, v, scheme)))
      .join('、');
  }
  if (typeof value === 'object') return fieldsText(value as Record<string, unknown>, scheme);
  if (scheme && field === 'type') {
    return named(scheme.customerTypes.find((c) => c.code === value)?.name, String(value));
  }
  if (scheme && field === 'docType') return docTypeName(scheme, String(value));
  if (scheme && field === 'businessEvent') return eventName(scheme, String(value));
  if (typeof value === 'boolean') return value ? '✓' : '✗';
  if (field === 'contentType' || field === 'sniffedType') return formatOf(String(value));
  if (/By$|Sub$|^actor$|^borrower$/.test(field)) return personName(String(value));
  if (field === 'reason' && typeof value === 'string' && value.includes(' / ')) return bilingualPart(value);
  return fieldValue(field, typeof value === 'number' ? value : String(value));
}

/** Where a workflow ran: an execution's ARN, kept in the trail for its reader's tools, not for people. */
const MACHINE_ONLY = new Set(['executionArn', 'executionId']);

/**
 * `field: value` pairs of a record's part, in words. A rejection and an intake problem, which the
 * trail keeps as written, are said by their codes like on their pages.
 */
export function fieldsText(values: Readonly<Record<string, unknown>>, scheme?: Scheme): string {
  if (scheme && typeof values.check === 'string' && typeof values.message === 'string') {
    return problemText(values as unknown as Problem, scheme);
  }
  const rejection =
    typeof values.reason === 'string' && Array.isArray(values.problems)
      ? rejectionText(values as unknown as Rejection)
      : undefined;
  return [
    rejection,
    ...Object.entries(values)
      .filter(
        ([k]) => !MACHINE_ONLY.has(k) && !(rejection && (k === 'code' || k === 'reason' || k === 'params')),
      )
      .map(([k, v]) => `${fieldName(k)}：${valueText(k, v, scheme)}`),
  ]
    .filter(Boolean)
    .join('；');
}

/** The reader's half of a text the system wrote in both languages (`中文 / English`). */
export function bilingualPart(text: string): string {
  const [zh, en] = text.split(' / ');
  return (currentLang() === 'zh' ? zh : en) ?? text;
}
