import { SNIFF_BYTES, sniffContentType } from '../../functions/core/file-type.ts';
import { type Problem, problem, q } from './problems.ts';

/**
 * One scan judged as intake will judge its upload, wherever its bytes come from (a file on disk
 * for the command, a file chosen in the browser for the console): neither empty nor over the
 * scheme's limit, and its first bytes showing the type its extension names (intake's own sniffer).
 * Reading it, and its SHA-256, is the reader's; the judgment is this one.
 */

/** How many first bytes a reader hands `judgeScan` (intake's sniffer reads no more). */
export const SNIFF_BYTES_FOR_CHECKS = SNIFF_BYTES;

export interface ScanFacts {
  size: number;
  sha256: string;
}

export type ScanCheck = { facts: ScanFacts; problems: [] } | { facts?: undefined; problems: Problem[] };

/** A scan that is not there or cannot be read; `why` says what the reader was told. */
export const scanMissing = (file: string, why: string): ScanCheck => ({
  problems: [
    problem(
      'file-missing',
      `找不到或无法读取文件 ${q(file)}（${why}）`,
      `file ${q(file)} is missing or unreadable (${why})`,
    ),
  ],
});

/** The size's problem, judged before a byte is read: empty, or over the limit. */
export function sizeProblem(file: string, size: number, maxBytes: number): ScanCheck | undefined {
  if (size === 0)
    return { problems: [problem('file-size', `文件 ${q(file)} 是空的`, `file ${q(file)} is empty`)] };
  if (size <= maxBytes) return undefined;
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

/** The scan once read: its first bytes (at least SNIFF_BYTES of them) must show its extension's type. */
export function judgeScan(file: string, contentType: string, head: Uint8Array, facts: ScanFacts): ScanCheck {
  const sniffed = sniffContentType(head);
  if (sniffed === contentType) return { facts, problems: [] };
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
