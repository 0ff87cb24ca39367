import * as en from './messages/en.ts';
import type { Labels, MessageKey } from './messages/keys.ts';
import * as zh from './messages/zh.ts';

/**
 * The console's words in Chinese (the default) and English, one file per language under
 * messages/. A key missing in one language, or an enum value without a word, is a type error
 * (messages/keys.ts), so the languages cannot drift from each other or from the API.
 */

export type { MessageKey };

export type Lang = 'zh' | 'en';

const LANGUAGES: Record<Lang, { messages: Record<MessageKey, string>; labels: Labels }> = { zh, en };

const LANG_KEY = 'dangan.lang';
let lang: Lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';

export const currentLang = (): Lang => lang;

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = LANGUAGES[lang].messages[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** A status, check, kind or role code in words; the code itself when the console does not know it. */
export function word(group: keyof Labels, code: string): string {
  const words: Readonly<Record<string, string>> = LANGUAGES[lang].labels[group];
  return Object.hasOwn(words, code) ? (words[code] as string) : code;
}

/** A scheme name (`{zh, en}`) in the user's language. */
export const named = (n: { zh: string; en: string } | undefined, fallback = ''): string =>
  n ? n[lang] || n.zh : fallback;

/** What the console says next to a field the API refused: the API's words, or the rule in Chinese. */
export function fieldMessage(path: string, apiMessage: string): string {
  if (lang === 'en') return apiMessage;
  const last = path.split('.').pop() ?? path;
  return zh.fieldRules[last] ?? `${t('invalid')}（${apiMessage}）`;
}
