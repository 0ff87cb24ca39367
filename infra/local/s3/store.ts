/**
 * On-disk state of the local S3 endpoint. Layout under dataDir:
 *
 *   buckets/<bucket>/bucket.json                 bucket settings (versioning, object lock, CORS)
 *   buckets/<bucket>/objects/<sha256(key)>.json  every version of one key (newest first), with metadata,
 *                                                tags, retention and legal hold
 *   buckets/<bucket>/blobs/<id>                  object bodies, one file per version
 *   buckets/<bucket>/uploads/<uploadId>/         multipart uploads in progress (upload.json, part files)
 *   tmp/                                         bodies being received, renamed into place when accepted
 *
 * Metadata lives in memory and is written through synchronously (write to a temp file, then rename),
 * so each change is atomic on disk and a restart sees exactly what was acknowledged.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ChecksumAlgorithm } from './checksums.ts';

export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface BucketMeta {
  name: string;
  createdAt: string;
  /** Set when the bucket is created or started with versioning; never switched off. */
  versioning?: 'Enabled';
  objectLock: boolean;
  cors: boolean;
}

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 digest; composite multipart checksums end in `-<parts>`. */
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

export interface ObjectVersion {
  /** 'null' for objects written to a bucket without versioning. */
  versionId: string;
  isDeleteMarker: boolean;
  lastModified: string;
  size: number;
  /** Quoted, e.g. "\"9e107d9d372bb6826bd81d3542a419d6\"" or "\"...-3\"" for multipart objects. */
  etag: string;
  blob?: string;
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  metadata: Record<string, string>;
  tags: [string, string][];
  checksum?: StoredChecksum;
  retention?: { mode: LockMode; retainUntil: string };
  legalHold?: 'ON' | 'OFF';
  storageClass: string;
  serverSideEncryption?: string;
  /** Part layout of objects created by CompleteMultipartUpload. */
  parts?: { size: number; checksum?: string }[];
}

export interface ObjectEntry {
  key: string;
  /** Newest first. */
  versions: ObjectVersion[];
}

export interface UploadPart {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: string;
  /** Checksum of the part in the upload's algorithm (base64). */
  checksum?: string;
  /** Full-object CRC state is not kept; whole-object checksums are computed at completion. */
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiated: string;
  /** Object attributes captured at CreateMultipartUpload. */
  template: Omit<ObjectVersion, 'versionId' | 'isDeleteMarker' | 'lastModified' | 'size' | 'etag' | 'blob'>;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  parts: Record<string, UploadPart>;
}

interface BucketState {
  meta: BucketMeta;
  objects: Map<string, ObjectEntry>;
  uploads: Map<string, MultipartUpload>;
}

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

function keyFileName(key: string): string {
  return `${createHash('sha256').update(key, 'utf8').digest('hex')}.json`;
}

const VERSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newVersionId(): string {
  const bytes = randomBytes(32);
  let out = '';
  for (const b of bytes) out += VERSION_ALPHABET[b % VERSION_ALPHABET.length];
  return out;
}

export function isWellFormedVersionId(id: string): boolean {
  return id === 'null' || /^[A-Za-z0-9._-]{1,1024}$/.test(id);
}

export class Store {
  private readonly buckets = new Map<string, BucketState>();
  readonly tmpDir: string;
  private readonly bucketsDir: string;

  constructor(readonly dataDir: string) {
    this.bucketsDir = join(dataDir, 'buckets');
    this.tmpDir = join(dataDir, 'tmp');
    mkdirSync(this.bucketsDir, { recursive: true });
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
    this.load();
  }

  private load(): void {
    for (const name of readdirSync(this.bucketsDir)) {
      const dir = join(this.bucketsDir, name);
      const metaPath = join(dir, 'bucket.json');
      if (!existsSync(metaPath)) continue;
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as BucketMeta;
      const state: BucketState = { meta, objects: new Map(), uploads: new Map() };
      const objectsDir = join(dir, 'objects');
      if (existsSync(objectsDir)) {
        for (const file of readdirSync(objectsDir)) {
          if (!file.endsWith('.json')) continue;
          const entry = JSON.parse(readFileSync(join(objectsDir, file), 'utf8')) as ObjectEntry;
          if (entry.versions.length > 0) state.objects.set(entry.key, entry);
        }
      }
      const uploadsDir = join(dir, 'uploads');
      if (existsSync(uploadsDir)) {
        for (const id of readdirSync(uploadsDir)) {
          const p = join(uploadsDir, id, 'upload.json');
          if (!existsSync(p)) continue;
          const upload = JSON.parse(readFileSync(p, 'utf8')) as MultipartUpload;
          state.uploads.set(upload.uploadId, upload);
        }
      }
      this.buckets.set(meta.name, state);
    }
  }

  tmpPath(): string {
    return join(this.tmpDir, randomBytes(16).toString('hex'));
  }

  // ---- buckets ----

  getBucket(name: string): BucketMeta | undefined {
    return this.buckets.get(name)?.meta;
  }

  createBucket(meta: BucketMeta): void {
    const dir = join(this.bucketsDir, meta.name);
    for (const sub of ['objects', 'blobs', 'uploads']) mkdirSync(join(dir, sub), { recursive: true });
    writeJsonAtomic(join(dir, 'bucket.json'), meta);
    this.buckets.set(meta.name, { meta, objects: new Map(), uploads: new Map() });
  }

  saveBucket(meta: BucketMeta): void {
    writeJsonAtomic(join(this.bucketsDir, meta.name, 'bucket.json'), meta);
  }

  // ---- objects ----

  private state(bucket: string): BucketState {
    const s = this.buckets.get(bucket);
    if (!s) throw new Error(`bucket ${bucket} not loaded`);
    return s;
  }

  getEntry(bucket: string, key: string): ObjectEntry | undefined {
    return this.state(bucket).objects.get(key);
  }

  /** All entries of a bucket sorted by key in UTF-8 byte order, as S3 lists them. */
  sortedEntries(bucket: string, prefix = ''): ObjectEntry[] {
    const entries = [...this.state(bucket).objects.values()].filter((e) => e.key.startsWith(prefix));
    return entries.sort((a, b) => compareKeys(a.key, b.key));
  }

  saveEntry(bucket: string, entry: ObjectEntry): void {
    const state = this.state(bucket);
    const path = join(this.bucketsDir, bucket, 'objects', keyFileName(entry.key));
    if (entry.versions.length === 0) {
      state.objects.delete(entry.key);
      rmSync(path, { force: true });
    } else {
      writeJsonAtomic(path, entry);
      state.objects.set(entry.key, entry);
    }
  }

  blobPath(bucket: string, blob: string): string {
    return join(this.bucketsDir, bucket, 'blobs', blob);
  }

  /** Moves a received temp file into the bucket's blob store and returns its id. */
  adoptBlob(bucket: string, tmpFile: string): string {
    const blob = randomBytes(20).toString('hex');
    renameSync(tmpFile, this.blobPath(bucket, blob));
    return blob;
  }

  removeBlob(bucket: string, blob: string | undefined): void {
    if (!blob) return;
    try {
      unlinkSync(this.blobPath(bucket, blob));
    } catch {
      // already gone
    }
  }

  // ---- multipart uploads ----

  uploadDir(bucket: string, uploadId: string): string {
    return join(this.bucketsDir, bucket, 'uploads', uploadId);
  }

  partPath(bucket: string, uploadId: string, partNumber: number): string {
    return join(this.uploadDir(bucket, uploadId), `part-${partNumber}`);
  }

  getUpload(bucket: string, uploadId: string): MultipartUpload | undefined {
    return this.state(bucket).uploads.get(uploadId);
  }

  saveUpload(bucket: string, upload: MultipartUpload): void {
    const dir = this.uploadDir(bucket, upload.uploadId);
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(join(dir, 'upload.json'), upload);
    this.state(bucket).uploads.set(upload.uploadId, upload);
  }

  removeUpload(bucket: string, uploadId: string): void {
    rmSync(this.uploadDir(bucket, uploadId), { recursive: true, force: true });
    this.state(bucket).uploads.delete(uploadId);
  }
}

/** S3 orders keys by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
