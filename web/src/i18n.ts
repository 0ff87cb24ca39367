import type { FieldError } from './api.ts';
import * as en from './messages/en.ts';
import * as enRecords from './messages/en-records.ts';
import type { Labels, MessageKey, RecordLabels } from './messages/keys.ts';
import * as zh from './messages/zh.ts';
import * as zhRecords from './messages/zh-records.ts';

/**
 * The console's words in Chinese (the default) and English, one file per language under
 * messages/. A key missing in one language, or an enum value without a word, is a type error
 * (messages/keys.ts), so the languages cannot drift from each other or from the API.
 */

export type { MessageKey };

export type Lang = 'zh' | 'en';

type Words = Labels & RecordLabels;

const LANGUAGES: Record<Lang, { messages: Record<MessageKey, string>; labels: Words }> = {
  zh: { messages: zh.messages, labels: { ...zh.labels, ...zhRecords.recordLabels } },
  en: { messages: en.messages, labels: { ...en.labels, ...enRecords.recordLabels } },
};

const LANG_KEY = 'dangan.lang';
let lang: Lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';

export const currentLang = (): Lang => lang;

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

const fill = (text: string, params: Readonly<Record<string, string | number>>): string =>
  text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return fill(LANGUAGES[lang].messages[key], params);
}

/** A status, check, kind or role code in words; the code itself when the console does not know it. */
export function word(group: keyof Words, code: string): string {
  const words: Readonly<Record<string, string>> = LANGUAGES[lang].labels[group];
  return Object.hasOwn(words, code) ? (words[code] as string) : code;
}

/** Whether the console has a word for `code` in `group`. */
export const knows = (group: keyof Words, code: string): boolean =>
  Object.hasOwn(LANGUAGES[lang].labels[group], code);

/**
 * What a code the API gave says, with its values (`params`, already in words where they are
 * codes themselves): a problem, a rejection, a refused field.
 */
export const phrase = (
  group: 'problem' | 'rejection' | 'fieldError',
  code: string,
  params: Readonly<Record<string, string | number>> = {},
): string => fill(word(group, code), params);

/** A scheme name (`{zh, en}`) in the user's language. */
export const named = (n: { zh: string; en: string } | undefined, fallback = ''): string =>
  n ? n[lang] || n.zh : fallback;

/**
 * What the console says next to a field the API refused, from the error's code and the limit it
 * broke: a number or list out of bounds names its bound (a loan of 999 days: at most 30 days); in
 * Chinese a field people type gets its rule (zh.ts `fieldRules`), any other the kind of error with
 * its values; in English, the API's own words where no code says more.
 */
export function fieldMessage(error: FieldError): string {
  const last = error.path.split('.').pop() ?? error.path;
  const code = error.code ?? 'invalid';
  const params = error.params ?? {};
  const origin = String(params.origin ?? 'number');
  // A text's bounds are in its field's rule, where it has one (a reason is required, at most
  // 1000 characters); a number's or a list's bound is said with the limit itself.
  const rule = lang === 'zh' && origin === 'string' ? zh.fieldRules[last] : undefined;
  if ((code === 'too_big' || code === 'too_small') && rule === undefined) {
    const unit = last === 'days' ? 'days' : origin === 'string' || origin === 'array' ? origin : 'number';
    return phrase('fieldError', code, {
      minimum: String(params.minimum ?? ''),
      maximum: String(params.maximum ?? ''),
      unit: word('unit', unit),
    });
  }
  // A field people type has its rule in Chinese, which says more than the kind of error.
  if (lang === 'zh' && code !== 'unknown_field' && zh.fieldRules[last] !== undefined)
    return zh.fieldRules[last];
  if (code === 'required' || code === 'unknown_field') return phrase('fieldError', code);
  if (code === 'invalid_value' && Array.isArray(params.values)) {
    return phrase('fieldError', code, { values: params.values.map((v) => fieldValue(last, v)).join('、') });
  }
  return lang === 'en' ? error.message : phrase('fieldError', code);
}

/** The name of a record's field (histories, audit details, refused fields); the name itself if unknown. */
export const fieldName = (name: string): string => word('field', name);

/** A value of a record's field in words where it is a code the console knows (statuses, enums). */
export function fieldValue(field: string, value: string | number): string {
  const v = String(value);
  if (field === 'accountStatus') return word('acct', v);
  if (field === 'retentionCode') return word('retention', v);
  if (field === 'retentionTrigger') return word('trigger', v);
  if (field === 'role' || field === 'roles') return word('roleName', v);
  if (field === 'status' || field === 'statusBefore' || field === 'statusAfter') return word('st', v);
  return v;
}
