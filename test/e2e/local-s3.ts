import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalSystem } from './system.ts';

/**
 * Flips a byte near the end of every stored version of an archive object in the local S3, as bit
 * rot on a disk would. Flipping again restores it.
 */
export function rotArchived(system: LocalSystem, key: string): void {
  const dir = join(system.dataDir, 's3', 'buckets', system.ready.archiveBucket);
  for (const file of readdirSync(join(dir, 'objects'))) {
    const entry = JSON.parse(readFileSync(join(dir, 'objects', file), 'utf8')) as {
      key: string;
      versions: { blob: string }[];
    };
    if (entry.key !== key) continue;
    for (const v of entry.versions) {
      const path = join(dir, 'blobs', v.blob);
      const bytes = readFileSync(path);
      bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0xff;
      writeFileSync(path, bytes);
    }
    return;
  }
  throw new Error(`no object ${key} in the local S3`);
}
