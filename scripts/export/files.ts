import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { flushAndRename } from '../shared/files.ts';
import { ExportFailure } from './errors.ts';

/**
 * Files of a bag, each written whole or not at all: into `<name>.part`, flushed to disk, then
 * renamed. A stopped export leaves at most a `.part` file, which the next run writes over; a file
 * under its own name is complete.
 */

export interface Fixity {
  sha256: string;
  bytes: number;
}

export async function hashFile(path: string): Promise<Fixity> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The file's fixity, or undefined when there is no such file. */
export async function hashIfPresent(path: string): Promise<Fixity | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return hashFile(path);
}

/** Writes `data` to `path` whole, and returns what was written. */
export async function writeWhole(path: string, data: string | Buffer): Promise<Fixity> {
  await mkdir(dirname(path), { recursive: true });
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const part = `${path}.part`;
  const handle = await open(part, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(part, path);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/**
 * Streams `body` to `path`, hashing as it goes, and keeps it only when its SHA-256 and length are
 * the ones expected (those recorded at intake): a copy that differs is deleted and the export
 * fails naming it, so no bag ever holds an original that is not the archived one.
 */
export async function saveVerified(
  body: Readable,
  path: string,
  expected: Fixity,
  what: string,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const part = `${path}.part`;
  const hash = createHash('sha256');
  let bytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(body, hashing, createWriteStream(part));
  const sha256 = hash.digest('hex');
  if (sha256 !== expected.sha256 || bytes !== expected.bytes) {
    await rm(part, { force: true });
    throw new ExportFailure(
      `${what} 的原件与归档记录不符：SHA-256 ${sha256}（${bytes} 字节），记录为 ${expected.sha256}（${expected.bytes} 字节）`,
      `the original of ${what} is not the archived one: SHA-256 ${sha256} (${bytes} bytes), recorded ${expected.sha256} (${expected.bytes} bytes)`,
    );
  }
  await flushAndRename(part, path);
}
