/**
 * Titles (题名) and file names (文件名) of documents are data, never markup: they are shown in the
 * console, written to the audit trail and CSV exports, and a file name goes back out in the
 * Content-Disposition of every preview and download. So:
 *
 * - neither may contain a control character (C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F),
 *   a bidirectional mark, embedding, override or isolate (U+200E, U+200F, U+202A–U+202E,
 *   U+2066–U+2069: `scan<U+202E>fdp.html` shows as `scanlmth.pdf`), U+FEFF, or an unpaired surrogate;
 * - a title has 1 to 200 characters; a file name 1 to 255 characters and at most 255 bytes in
 *   UTF-8 (what file systems allow), no `/` or `\`, does not start with a dot (so neither `.`
 *   nor `..`, nor a name that is only an extension), and ends in an extension that agrees with
 *   the declared content type (compared case-insensitively: `A.PDF` is a PDF).
 *
 * A title or file name that breaks a rule is REFUSED (400, naming the field, e.g.
 * `documents.0.fileName`), never silently normalised: what the clerk declared is what is
 * recorded, or nothing is. Only surrounding spaces are trimmed, after the check: a tab, CR, LF
 * or U+FEFF at either end is refused like anywhere else. On the way out, `safeFileName` does
 * make a name safe, because records written before these rules may carry anything.
 */

export const TITLE_MAX_CHARACTERS = 200;
export const FILE_NAME_MAX_CHARACTERS = 255;
export const FILE_NAME_MAX_BYTES = 255;

/**
 * The file name extensions (lower case, with the dot) that agree with each content type Dangan
 * accepts: every type a scheme lists (`schemes/*.json` `contentTypes`) and every type the
 * sniffer recognises (`file-type.ts`). The first one is the one a safe name is given.
 */
export const EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  'application/pdf': ['.pdf'],
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/png': ['.png'],
  'image/tiff': ['.tif', '.tiff'],
};

/** The extension of a download whose bytes are of no type listed here (`application/octet-stream`). */
export const UNKNOWN_EXTENSION = '.bin';

const CONTROL = 'a control character';
const BIDI = 'a bidirectional formatting character, which can disguise an extension';

const FORBIDDEN: readonly { from: number; to: number; what: string }[] = [
  { from: 0x00, to: 0x1f, what: CONTROL },
  { from: 0x7f, to: 0x9f, what: CONTROL },
  { from: 0x200e, to: 0x200f, what: BIDI },
  { from: 0x202a, to: 0x202e, what: BIDI },
  { from: 0x2066, to: 0x2069, what: BIDI },
  { from: 0xd800, to: 0xdfff, what: 'an unpaired surrogate, which is not valid Unicode' },
  { from: 0xfeff, to: 0xfeff, what: 'a zero-width no-break space (byte order mark)' },
];

function forbidden(codePoint: number): string | undefined {
  return FORBIDDEN.find((r) => codePoint >= r.from && codePoint <= r.to)?.what;
}

const uPlus = (codePoint: number): string => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first character a title or file name may not contain, with its position (1-based). */
export function forbiddenCharacter(
  value: string,
): { codePoint: number; position: number; what: string } | undefined {
  let position = 0;
  for (const c of value) {
    position += 1;
    const codePoint = c.codePointAt(0) ?? 0;
    const what = forbidden(codePoint);
    if (what) return { codePoint, position, what };
  }
  return undefined;
}

/** The value in double quotes, any character a name may not contain shown as `\u{…}`. */
export function quoted(value: string): string {
  const shown = Array.from(value, (c) => {
    const codePoint = c.codePointAt(0) ?? 0;
    return forbidden(codePoint) ? `\\u{${codePoint.toString(16).toUpperCase()}}` : c;
  }).join('');
  return `"${shown}"`;
}

const characters = (value: string): number => Array.from(value).length;

/** Bytes in UTF-8 (an unpaired surrogate counts as the three bytes of U+FFFD). */
export function utf8Bytes(value: string): number {
  let bytes = 0;
  for (const c of value) {
    const codePoint = c.codePointAt(0) ?? 0;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function characterProblem(field: string, value: string): string | undefined {
  const bad = forbiddenCharacter(value);
  if (!bad) return undefined;
  return `${field} contains ${uPlus(bad.codePoint)} (${bad.what}) at character ${bad.position}; titles and file names may not contain control or bidirectional formatting characters`;
}

/** Why a title is refused, or undefined when it is fine. `field` names it in the message. */
export function titleProblem(title: string, field = 'title'): string | undefined {
  const bad = characterProblem(field, title);
  if (bad) return bad;
  const value = title.trim();
  if (value.length === 0) return `${field} is empty`;
  const n = characters(value);
  if (n > TITLE_MAX_CHARACTERS) {
    return `${field} has ${n} characters; at most ${TITLE_MAX_CHARACTERS} are allowed`;
  }
  return undefined;
}

/**
 * Why a file name is refused, or undefined when it is fine, apart from its extension (that
 * depends on the content type: `extensionProblem`). `field` names it in the message.
 */
export function fileNameProblem(fileName: string, field = 'fileName'): string | undefined {
  const bad = characterProblem(field, fileName);
  if (bad) return bad;
  const name = fileName.trim();
  if (name.length === 0) return `${field} is empty`;
  const separator = ['/', '\\'].find((s) => name.includes(s));
  if (separator) {
    return `${field} ${quoted(name)} contains "${separator}"; give the file's own name, without a folder`;
  }
  if (name.startsWith('.')) {
    return `${field} ${quoted(name)} starts with a dot; give the file a name before its extension, e.g. scan.pdf`;
  }
  const n = characters(name);
  if (n > FILE_NAME_MAX_CHARACTERS) {
    return `${field} has ${n} characters; at most ${FILE_NAME_MAX_CHARACTERS} are allowed`;
  }
  const bytes = utf8Bytes(name);
  if (bytes > FILE_NAME_MAX_BYTES) {
    return `${field} is ${bytes} bytes in UTF-8; at most ${FILE_NAME_MAX_BYTES} are allowed (a Chinese character takes 3)`;
  }
  return undefined;
}

/** The name's extension in lower case with its dot (`.pdf`), or undefined when it has none. */
export function extensionOf(fileName: string): string | undefined {
  const name = fileName.trim();
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return name.slice(dot).toLowerCase();
}

/** Whether the name's extension is one of the content type's. */
export function extensionAgrees(fileName: string, contentType: string): boolean {
  const ext = extensionOf(fileName);
  return ext !== undefined && (EXTENSIONS[contentType]?.includes(ext) ?? false);
}

/**
 * Why the file name's extension does not agree with the content type, or undefined when it
 * does. A content type with no known extension is refused too: nothing is offered for download
 * under an extension nobody checked.
 */
export function extensionProblem(
  fileName: string,
  contentType: string,
  field = 'fileName',
): string | undefined {
  if (extensionAgrees(fileName, contentType)) return undefined;
  const expected = EXTENSIONS[contentType];
  if (!expected) {
    return `${field} ${quoted(fileName.trim())} cannot be checked: no file name extension is known for contentType ${contentType}`;
  }
  return `${field} ${quoted(fileName.trim())} does not agree with contentType ${contentType}; expected ${expected.join(' or ')}`;
}

function truncate(stem: string, ext: string): string {
  const chars = Array.from(stem);
  while (
    chars.length > 0 &&
    (chars.length + characters(ext) > FILE_NAME_MAX_CHARACTERS ||
      utf8Bytes(chars.join('') + ext) > FILE_NAME_MAX_BYTES)
  ) {
    chars.pop();
  }
  return chars.join('');
}

/**
 * A name fit to hand out with content of `type` (what the bytes are): every character a name may
 * not contain, and `"`, `\` and `/`, becomes `_`; leading dots, and dots before the extension,
 * are dropped; the extension is kept when it agrees with `type` and otherwise replaced by the
 * type's own (`.bin` for a type with none); and it is cut to 255 characters and bytes. For names
 * stored before the input rules, or any name at all: it never trusts what was declared.
 */
export function safeFileName(fileName: string, type: string): string {
  const cleaned = Array.from(fileName, (c) =>
    forbidden(c.codePointAt(0) ?? 0) || c === '"' || c === '\\' || c === '/' ? '_' : c,
  )
    .join('')
    .trim()
    .replace(/^\.+/, '');
  const declared = extensionOf(cleaned);
  const keep = declared !== undefined && extensionAgrees(cleaned, type);
  const ext = keep
    ? cleaned.slice(cleaned.length - declared.length)
    : (EXTENSIONS[type]?.[0] ?? UNKNOWN_EXTENSION);
  const stem = declared === undefined ? cleaned : cleaned.slice(0, cleaned.length - declared.length);
  return `${truncate(stem.replace(/\.+$/, '').trim(), ext) || 'document'}${ext}`;
}

/**
 * The name an archived original is handed out under: its archive code (档号) and the extension
 * of what it is, e.g. `Z001-KH·2026-D30-YK-0007.pdf`.
 */
export function archivedFileName(archiveCode: string, type: string): string {
  return safeFileName(`${archiveCode}${EXTENSIONS[type]?.[0] ?? UNKNOWN_EXTENSION}`, type);
}
