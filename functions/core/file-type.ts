/**
 * What a file really is, from its first bytes (magic numbers), whatever name or content type
 * the uploader declared. Intake compares the two in the usability check (DA/T 70 可用性).
 */

/** How many leading bytes `sniffContentType` needs; storage reads exactly this range. */
export const SNIFF_BYTES = 64;

export const UNKNOWN_CONTENT_TYPE = 'application/octet-stream';

interface Signature {
  type: string;
  bytes: readonly number[];
}

const SIGNATURES: readonly Signature[] = [
  // %PDF-
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  // \x89PNG\r\n\x1a\n
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  // Little-endian TIFF: II*\0
  { type: 'image/tiff', bytes: [0x49, 0x49, 0x2a, 0x00] },
  // Big-endian TIFF: MM\0*
  { type: 'image/tiff', bytes: [0x4d, 0x4d, 0x00, 0x2a] },
];

function startsWith(data: Uint8Array, prefix: readonly number[]): boolean {
  if (data.length < prefix.length) return false;
  return prefix.every((b, i) => data[i] === b);
}

/** The content type the leading bytes show, or `application/octet-stream` when none matches. */
export function sniffContentType(head: Uint8Array): string {
  return SIGNATURES.find((s) => startsWith(head, s.bytes))?.type ?? UNKNOWN_CONTENT_TYPE;
}
