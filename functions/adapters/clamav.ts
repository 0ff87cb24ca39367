import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ENV } from '../catalog/environment.ts';
import {
  definitionsBuiltAt,
  isDailyDefinitions,
  isDefinitionsFile,
  type ScannerRun,
} from '../core/clamav.ts';
import { requireEnv } from './env.ts';
import { s3 } from './s3-client.ts';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from './s3-commands.ts';

/**
 * ClamAV as the scanner function and its updater reach it: commands run as child processes (the
 * container image's scripts around clamdscan, clamd and freshclam; a test's fake), and the
 * signature databases kept in a bucket of their own, copied to and from the function's disk.
 */

export const definitionsBucket = (): string => requireEnv(ENV.clamavDefinitionsBucket);
export const definitionsDir = (): string => requireEnv(ENV.clamavDefinitionsDir);
export const scanCommand = (): string => requireEnv(ENV.clamavScanCommand);
export const startCommand = (): string | undefined => process.env[ENV.clamavStartCommand] || undefined;
export const updateCommand = (): string => requireEnv(ENV.clamavUpdateCommand);

/** A command's exit code (null when killed) and what it printed. */
export interface CommandRun extends ScannerRun {
  stderr: string;
}

/**
 * Runs a command with arguments (no shell) and waits for it; killed after `timeoutMs`. Rejects
 * only when the command cannot be started at all (missing, not executable).
 */
export function runCommand(command: string, args: readonly string[], timeoutMs: number): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        exitCode: code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** SHA-256 (hex) of a file on disk. */
async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The metadata a database object carries its SHA-256 in, for whoever checks a copy (S3's ETag is no digest under KMS). */
const SHA256_METADATA = 'sha256';

/** What the bucket held per database file when it was last copied to disk. */
export type DefinitionsState = Map<string, string>;

/**
 * Copies the databases in the bucket to `dir` when they differ from what was copied before
 * (`state`, updated in place): each file is written beside and renamed over, so a reader never
 * sees half a database, and a file no longer in the bucket is removed. Returns whether anything
 * changed.
 */
export async function copyDefinitionsToDisk(
  bucket: string,
  dir: string,
  state: DefinitionsState,
): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const wanted = new Map<string, string>();
  for (const o of listed.Contents ?? []) {
    if (o.Key && isDefinitionsFile(o.Key) && o.ETag) wanted.set(o.Key, o.ETag);
  }
  let changed = false;
  for (const [name, etag] of wanted) {
    if (state.get(name) === etag) continue;
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: name }));
    const partial = join(dir, `.${name}.part`);
    await pipeline(object.Body as Readable, createWriteStream(partial));
    await rename(partial, join(dir, name));
    state.set(name, etag);
    changed = true;
  }
  for (const name of await readdir(dir)) {
    if (isDefinitionsFile(name) && !wanted.has(name)) {
      await rm(join(dir, name), { force: true });
      state.delete(name);
      changed = true;
    }
  }
  return changed;
}

/** SHA-256 of each database file in `dir`, by file name. */
export async function definitionsOnDisk(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).filter(isDefinitionsFile).sort()) {
    out.set(name, await fileSha256(join(dir, name)));
  }
  return out;
}

/**
 * Makes the bucket hold exactly the databases on disk: a file whose SHA-256 differs from what
 * was copied from the bucket (`copied`, by `definitionsOnDisk` before the update) is uploaded, a
 * file gone from disk (freshclam replaces `daily.cvd` by a patched `daily.cld`) is deleted.
 * Returns the names uploaded and deleted.
 */
export async function copyDefinitionsToBucket(
  dir: string,
  bucket: string,
  copied: ReadonlyMap<string, string>,
): Promise<{ uploaded: string[]; deleted: string[] }> {
  const onDisk = await definitionsOnDisk(dir);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const inBucket = (listed.Contents ?? []).flatMap((o) => (o.Key && isDefinitionsFile(o.Key) ? [o.Key] : []));
  const uploaded: string[] = [];
  for (const [name, sha256] of onDisk) {
    if (inBucket.includes(name) && copied.get(name) === sha256) continue;
    const path = join(dir, name);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: name,
        Body: createReadStream(path),
        ContentLength: (await stat(path)).size,
        ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
        Metadata: { [SHA256_METADATA]: sha256 },
      }),
    );
    uploaded.push(name);
  }
  const deleted = inBucket.filter((name) => !onDisk.has(name));
  for (const name of deleted) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: name }));
  return { uploaded, deleted };
}

/** When the daily database on disk was built; undefined when there is none. */
export async function dailyBuiltAt(dir: string): Promise<Date | undefined> {
  const name = (await readdir(dir)).find(isDailyDefinitions);
  if (!name) return undefined;
  const file = await open(join(dir, name));
  try {
    const header = Buffer.alloc(512);
    const { bytesRead } = await file.read(header, 0, 512, 0);
    return definitionsBuiltAt(header.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}
