/**
 * BagIt (RFC 8493, version 1.0) as text: the declaration, the manifests' lines, `bag-info.txt`
 * and its Payload-Oxum. Pure functions; the files are written by seal.ts.
 */

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

export const MANIFEST = 'manifest-sha256.txt';
export const TAG_MANIFEST = 'tagmanifest-sha256.txt';
export const BAG_INFO = 'bag-info.txt';
export const BAGIT = 'bagit.txt';

/**
 * A path as a manifest writes it (RFC 8493 §2.1.3): relative to the bag, `/`-separated, with
 * CR, LF and `%` percent-encoded so that every line names exactly one file.
 */
export function manifestPath(path: string): string {
  if (path.startsWith('/') || path.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`not a relative path inside the bag: ${JSON.stringify(path)}`);
  }
  return path.replace(/[%\r\n]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function decodeManifestPath(text: string): string {
  return text.replace(/%(25|0D|0A)/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * One manifest line: the checksum, two spaces, the path. Two spaces are the form `sha256sum -c`
 * reads too, so a bag can be checked with nothing but coreutils (`cd bag && sha256sum -c
 * manifest-sha256.txt`) as long as no path needed encoding.
 */
export function manifestLine(sha256: string, path: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256 in lower-case hex: ${sha256}`);
  return `${sha256}  ${manifestPath(path)}\n`;
}

/** A manifest line read back; undefined for a line that is not one. */
export function parseManifestLine(line: string): { sha256: string; path: string } | undefined {
  const m = /^([0-9a-fA-F]{64})[ \t]+\*?(.+)$/.exec(line.replace(/\r$/, ''));
  if (!m) return undefined;
  return { sha256: (m[1] as string).toLowerCase(), path: decodeManifestPath(m[2] as string) };
}

/** `Payload-Oxum`: the payload's octet count, a dot, and its number of files (RFC 8493 §2.2.2). */
export function payloadOxum(bytes: number, files: number): string {
  if (!Number.isSafeInteger(bytes) || !Number.isSafeInteger(files) || bytes < 0 || files < 0) {
    throw new Error(`not a payload size: ${bytes} bytes in ${files} files`);
  }
  return `${bytes}.${files}`;
}

/** `Bag-Size`: the payload's size for people ("12.3 MB"), in the SI units the RFC's examples use. */
export function bagSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const LABEL = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/**
 * `bag-info.txt`: one `Label: value` line per field, in the order given (a label may repeat).
 * Values are one line each: line breaks and other control characters become spaces, so a value
 * taken from a record can never start a line of its own.
 */
export function bagInfoText(fields: readonly (readonly [string, string])[]): string {
  return fields
    .map(([label, value]) => {
      if (!LABEL.test(label)) throw new Error(`not a bag-info label: ${JSON.stringify(label)}`);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
      const oneLine = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
      return `${label}: ${oneLine}\n`;
    })
    .join('');
}
