import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ApiError, unreachable } from '../shared/errors.ts';
import { IMPORT_FAILED } from './errors.ts';

/** What the check recorded of a row's scan: the upload must send exactly these bytes. */
export interface CheckedScan {
  row: number;
  sha256: string;
  size: number;
}

/** A presigned PUT: its URL and the headers to send with it (type, SHA-256, upload id). */
export interface SignedUpload {
  url: string;
  headers: Record<string, string>;
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Why a row's scan is not uploaded: the file is no longer the one that was checked. */
function changedSinceCheck(scan: CheckedScan, sha256?: string): { zh: string; en: string } {
  const now = sha256 ? `SHA-256 ${sha256.slice(0, 12)}…` : '';
  return {
    zh: `扫描件在检查后被改动（${now ? `${now}，` : ''}检查时为 ${scan.sha256.slice(0, 12)}…）`,
    en: `the scan changed after it was checked (${now ? `${now}, ` : ''}checked ${scan.sha256.slice(0, 12)}…)`,
  };
}

/**
 * Uploads one scan from its file: hashed again as it is now, then sent as a stream with the
 * length and SHA-256 the URL is signed for, so no scan is ever held whole in memory, whatever its
 * size or the concurrency. A file changed between the hash and the send is refused by S3's own
 * checksum (BadDigest) and counts as changed, like one the hash found changed. Any other refusal
 * stops the import (ApiError).
 */
export async function uploadScan(
  path: string,
  scan: CheckedScan,
  upload: SignedUpload,
): Promise<{ bytes: number } | { changed: { zh: string; en: string } }> {
  const sha256 = await fileSha256(path);
  if (sha256 !== scan.sha256) return { changed: changedSinceCheck(scan, sha256) };
  // A stream body needs `duplex` (Node's fetch), which the DOM's RequestInit type does not name.
  // The length is signed into the URL but not among the headers handed out (a browser sets it from
  // the body); a stream has none of its own, and without it the request would go chunked.
  const init: RequestInit & { duplex: 'half' } = {
    method: 'PUT',
    headers: { ...upload.headers, 'content-length': String(scan.size) },
    body: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
    duplex: 'half',
  };
  const res = await fetch(upload.url, init).catch((err: unknown) => {
    throw unreachable(IMPORT_FAILED, upload.url, err);
  });
  // Read to its end: an answer left unread holds its connection and buffers until collected.
  const answer = await res.text();
  if (res.status === 400 && /<Code>(BadDigest|XAmzContentChecksumMismatch)<\/Code>/.test(answer)) {
    return { changed: changedSinceCheck(scan) };
  }
  if (res.status !== 200) {
    throw new ApiError(IMPORT_FAILED, res.status, `PUT (upload of row ${scan.row})`, answer.slice(0, 200));
  }
  return { bytes: scan.size };
}
