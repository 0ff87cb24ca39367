import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SNIFF_BYTES } from '../../functions/core/file-type.ts';
import { judgeScan, type ScanCheck, scanMissing, sizeProblem } from '../../shared/import/scan-check.ts';

/**
 * One scan on disk, read for the checks (shared/import/scan-check.ts judges it): it exists and is
 * a readable file; its SHA-256 is computed as it is read, a piece at a time: it is what the upload
 * will be signed for, and what finds the same scan twice.
 */
export async function checkScan(
  scansDir: string,
  file: string,
  contentType: string,
  maxBytes: number,
): Promise<ScanCheck> {
  const path = join(scansDir, file);
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) return scanMissing(file, '不是文件 / not a file');
    size = s.size;
  } catch (err) {
    return scanMissing(file, (err as NodeJS.ErrnoException).code ?? String(err));
  }
  const bad = sizeProblem(file, size, maxBytes);
  if (bad) return bad;
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  let read = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      const buf = chunk as Buffer;
      hash.update(buf);
      read += buf.length;
      if (headBytes < SNIFF_BYTES) {
        head.push(buf.subarray(0, SNIFF_BYTES - headBytes));
        headBytes += Math.min(buf.length, SNIFF_BYTES - headBytes);
      }
    }
  } catch (err) {
    return scanMissing(file, (err as NodeJS.ErrnoException).code ?? String(err));
  }
  return judgeScan(file, contentType, Buffer.concat(head), { size: read, sha256: hash.digest('hex') });
}

/** The scans under a folder, as the checks read them. */
export const scansIn =
  (scansDir: string, maxBytes: number) =>
  (file: string, contentType: string): Promise<ScanCheck> =>
    checkScan(scansDir, file, contentType, maxBytes);
