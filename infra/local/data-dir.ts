/**
 * The data directory of `npm start` (default `.data/`): DynamoDB Local's files, the local S3 and
 * Step Functions stores, the stream positions, the identity's keys, the generated credentials
 * every local endpoint checks, and the pid of the run that holds it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './config.ts';
import { isRunning } from './lifecycle.ts';

/** Where the generated credentials are kept, for tools that call the local endpoints. */
export const credentialsFile = (dataDir: string): string => join(dataDir, 'credentials.json');

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function loadCredentials(dataDir: string): Credentials {
  const file = credentialsFile(dataDir);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  const creds: Credentials = {
    accessKeyId: `AKIALOCAL${randomBytes(6).toString('hex').toUpperCase().slice(0, 11)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

/** One `npm start` per data directory: DynamoDB Local's files must have a single writer. */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'dangan.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      alive = isRunning(pid);
      // A pid left by a killed run may since belong to an unrelated process.
      const cmdline = `/proc/${pid}/cmdline`;
      if (alive && existsSync(cmdline) && !readFileSync(cmdline, 'utf8').includes('main.ts')) alive = false;
    }
    if (alive) throw new UsageError(`${dataDir} is in use by another Dangan (pid ${pid})`);
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
    } catch {
      // already gone
    }
  };
}
