import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SNIFF_BYTES, sniffContentType } from '../../functions/core/file-type.ts';
import { type Problem, problem, q } from './problems.ts';

/**
 * One scan on disk, checked as intake will check its upload: it exists and is a readable file,
 * it is neither empty nor over the scheme's limit, and its first bytes show the type its extension
 * names (the same sniffer intake's usability check uses). Its SHA-256 is computed as it is read, a
 * piece at a time: it is what the upload will be signed for, and what finds the same scan twice.
 */

export interface ScanFacts {
  size: number;
  sha256: string;
}

export type ScanCheck = { facts: ScanFacts; problems: [] } | { facts?: undefined; problems: Problem[] };

export async function checkScan(
  scansDir: string,
  file: string,
  contentType: string,
  maxBytes: number,
): Promise<ScanCheck> {
  const path = join(scansDir, file);
  const missing = (why: string) => ({
    problems: [
      problem(
        'file-missing',
        `找不到或无法读取文件 ${q(file)}（${why}）`,
        `file ${q(file)} is missing or unreadable (${why})`,
      ),
    ],
  });
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) return missing('不是文件 / not a file');
    size = s.size;
  } catch (err) {
    return missing((err as NodeJS.ErrnoException).code ?? String(err));
  }
  if (size === 0)
    return { problems: [problem('file-size', `文件 ${q(file)} 是空的`, `file ${q(file)} is empty`)] };
  if (size > maxBytes) {
    return {
      problems: [
        problem(
          'file-size',
          `文件 ${q(file)} 有 ${size} 字节，超过上限 ${maxBytes}`,
          `file ${q(file)} has ${size} bytes, over the limit of ${maxBytes}`,
        ),
      ],
    };
  }
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
    return missing((err as NodeJS.ErrnoException).code ?? String(err));
  }
  const sniffed = sniffContentType(Buffer.concat(head));
  if (sniffed !== contentType) {
    return {
      problems: [
        problem(
          'file-type',
          `文件 ${q(file)} 的内容是 ${sniffed}，扩展名却是 ${contentType}`,
          `file ${q(file)} is ${sniffed} by its bytes, ${contentType} by its extension`,
        ),
      ],
    };
  }
  return { facts: { size: read, sha256: hash.digest('hex') }, problems: [] };
}
