import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalSystem } from './system.ts';

/**
 * Flips a byte near the end of every stored version of an archive object in the local S3, as bit
 * rot on a disk would. Flipping again restores it. The object's metadata file is found by its
 * key's name (infra/local/s3/store.ts), never by listing the folder, where files being written
 * meanwhile (an audit copy, say) sit half-written under a temporary name.
 */
export function rotArchived(system: LocalSystem, key: string): void {
  const dir = join(system.dataDir, 's3', 'buckets', system.ready.archiveBucket);
  const file = join(dir, 'objects', `${createHash('sha256').update(key, 'utf8').digest('hex')}.json`);
  if (!existsSync(file)) throw new Error(`no object ${key} in the local S3`);
  const entry = JSON.parse(readFileSync(file, 'utf8')) as { key: string; versions: { blob: string }[] };
  for (const v of entry.versions) {
    const path = join(dir, 'blobs', v.blob);
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
  }
}
