/**
 * What a Chinese page may show in Latin script, for the walk through every page in zh-CN: proper
 * names, file names, codes and numbers, and nothing else. A word is a run of text between spaces
 * and punctuation; one with a Latin letter must be one of these kinds.
 */

/** Words allowed by name, each with why. Keep this short. */
export const ALLOWED_WORDS: ReadonlyMap<string, string> = new Map([
  ['English', 'the language switch names the other language in that language'],
  ['SHA-256', 'the name of the checksum algorithm, as the standards (DA/T 70) write it'],
  ['CloudWatch', "the AWS service that holds the alarms, a product's name"],
]);

/** Codes that are the record's own words, never to be shown raw: they have words of their own. */
const RAW_CODE = [
  /^[A-Z]+_[A-Z_]+$/, // enum values: PENDING_UPLOAD, ACCOUNT_CLOSED
  /^D(10|30)$/, // retention codes (inside an archive code they are part of the code)
  /^(clerk|reviewer|archivist|approver|auditor|sysadmin|secadmin|staff)\d$/, // usernames, not names
];

const FILE_NAME = /\.(pdf|png|jpe?g|tiff?)$/i;

/** Why a word is allowed, or undefined when it is not. */
function allowedAs(word: string): string | undefined {
  if (RAW_CODE.some((r) => r.test(word))) return undefined;
  if (!/[A-Za-z]/.test(word)) return 'no Latin letter';
  if (ALLOWED_WORDS.has(word)) return 'named';
  if (FILE_NAME.test(word)) return 'a file name';
  // Archive codes, ids, sizes, customer numbers, dates: they carry digits.
  if (/\d/.test(word)) return 'a code or number';
  // Short upper-case codes: formats (PDF, JPEG), regions (HZ), the category (KH), DEFAULT.
  if (/^[A-Z]{1,8}$/.test(word)) return 'an upper-case code';
  return undefined;
}

/** The words of `text` in Latin script that a Chinese page must not show. */
export function foreignWords(text: string): string[] {
  const words = text.split(/[\s，。、；：:;,()（）“”"'·/|[\]{}<>—–…→✓✗=+*!?！？《》【】]+/u);
  return [...new Set(words.filter((w) => w !== '' && allowedAs(w) === undefined))];
}

/**
 * Signs that an English page shows a code it has no word for, or a message with a value missing:
 * enum values, dotted or hyphenated codes (audit actions, problem codes), `{placeholders}`.
 */
export function untranslated(text: string): string[] {
  const words = text.split(/[\s,;:()“”"'·|→]+/u);
  const codes = words.filter(
    (w) =>
      !FILE_NAME.test(w) &&
      (/^[A-Z]+_[A-Z_]+$/.test(w) || /^[a-z]+(\.[a-z-]+|-[a-z]+-[a-z-]+)$/.test(w) || /^D(10|30)$/.test(w)),
  );
  const holes = text.match(/\{\w+\}/g) ?? [];
  return [...new Set([...codes, ...holes])];
}
