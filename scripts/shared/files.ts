import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * Files the commands of scripts/ write whole or not at all: into `<name>.part`, flushed to disk,
 * then renamed. A stopped command leaves at most a `.part` file, which the next run writes over;
 * a file under its own name is complete.
 */

/** Flushes the finished `.part` file to disk and gives it its own name. */
export async function flushAndRename(part: string, path: string): Promise<void> {
  const handle = await open(part, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(part, path);
}

/** Writes text produced a piece at a time (a list of any length) to `path` whole. */
export async function writeStreamed(
  path: string,
  pieces: AsyncIterable<string>,
): Promise<{ sha256: string; bytes: number }> {
  await mkdir(dirname(path), { recursive: true });
  const part = `${path}.part`;
  const hash = createHash('sha256');
  let bytes = 0;
  const counted = async function* () {
    for await (const piece of pieces) {
      const buf = Buffer.from(piece, 'utf8');
      hash.update(buf);
      bytes += buf.length;
      yield buf;
    }
  };
  await pipeline(counted, createWriteStream(part));
  await flushAndRename(part, path);
  return { sha256: hash.digest('hex'), bytes };
}
