import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

/**
 * A ZIP file read as a stream with some entries moved to the front, for readers that take the
 * entries in the order they come (exceljs's streaming .xlsx reader). Each entry is copied as it is
 * stored (local header, data, data descriptor) straight from the file, so nothing is held in
 * memory; the central directory follows unchanged (a streaming reader stops at it and never uses
 * its offsets). A file this cannot read (no end-of-directory record, ZIP64) comes as it is.
 */

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
/** The end-of-directory record: 22 bytes and a comment of at most 65,535. */
const TAIL_BYTES = 22 + 65_535;

interface StoredEntry {
  name: string;
  start: number;
}

/** The entries' names and where each starts, from the central directory; undefined if unreadable. */
async function storedEntries(
  path: string,
): Promise<{ entries: StoredEntry[]; directoryStart: number; size: number } | undefined> {
  const file = await open(path);
  try {
    const { size } = await file.stat();
    const tailLength = Math.min(size, TAIL_BYTES);
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, size - tailLength);
    let at = tail.length - 22;
    while (at >= 0 && tail.readUInt32LE(at) !== END_OF_DIRECTORY) at--;
    if (at < 0) return undefined;
    const directoryLength = tail.readUInt32LE(at + 12);
    const directoryStart = tail.readUInt32LE(at + 16);
    if (directoryStart === 0xffffffff || directoryStart + directoryLength > size) return undefined;
    const directory = Buffer.alloc(directoryLength);
    await file.read(directory, 0, directoryLength, directoryStart);
    const entries: StoredEntry[] = [];
    for (let p = 0; p + 46 <= directory.length && directory.readUInt32LE(p) === DIRECTORY_ENTRY; ) {
      const nameLength = directory.readUInt16LE(p + 28);
      const extraLength = directory.readUInt16LE(p + 30);
      const commentLength = directory.readUInt16LE(p + 32);
      const start = directory.readUInt32LE(p + 42);
      if (start === 0xffffffff) return undefined;
      entries.push({ name: directory.toString('utf8', p + 46, p + 46 + nameLength), start });
      p += 46 + nameLength + extraLength + commentLength;
    }
    return { entries, directoryStart, size };
  } finally {
    await file.close();
  }
}

/** The file's bytes with the entries named in `first` (in that order) before all others. */
export async function zipWithEntriesFirst(path: string, first: readonly string[]): Promise<Readable> {
  const stored = await storedEntries(path);
  if (!stored) return createReadStream(path);
  const byStart = [...stored.entries].sort((a, b) => a.start - b.start);
  const ranges = byStart.map((entry, i) => ({
    name: entry.name,
    start: entry.start,
    end: (byStart[i + 1]?.start ?? stored.directoryStart) - 1,
  }));
  const rank = (name: string) => {
    const i = first.indexOf(name);
    return i < 0 ? first.length : i;
  };
  // A stable sort: the named entries first, the rest in the file's order.
  const ordered = [...ranges].sort((a, b) => rank(a.name) - rank(b.name));
  async function* bytes() {
    for (const range of ordered) {
      if (range.end >= range.start) yield* createReadStream(path, { start: range.start, end: range.end });
    }
    yield* createReadStream(path, { start: stored?.directoryStart ?? 0 });
  }
  return Readable.from(bytes(), { objectMode: false });
}
