import { createHash } from 'node:crypto';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { archiveBucket } from './env.ts';
import { s3 } from './s3-client.ts';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from './s3-commands.ts';

/**
 * A ZIP written straight into the archive bucket as a multipart upload: entries are added one
 * after the other and their bytes leave in parts of PART_BYTES, so what is in memory is one part
 * and the chunk being added, whatever the package's size. Originals are stored as they are
 * (already compressed: PDF, JPEG); the text files of the bag are deflated. Each entry's SHA-256
 * and length are computed as it passes, for the bag's manifest and the check of an original.
 * ZIP without its 64-bit extension (fflate writes none): under 4 GiB and 65,535 entries, which
 * core/handovers.ts keeps packages inside.
 */

/** Bytes per uploaded part (S3 takes 5 MiB to 5 GiB, at most 10,000 parts: 80 GB here). */
const PART_BYTES = 8 * 1024 * 1024;

export interface Fixity {
  sha256: string;
  bytes: number;
}

/**
 * Entries are marked as made on Unix with their permissions (rw-r--r--): unzip reads the names
 * as UTF-8 (archive codes hold `·`) only from a Unix host; from the default, MS-DOS, it takes
 * them for a DOS code page and garbles them.
 */
function unixEntry<E extends ZipPassThrough | ZipDeflate>(entry: E): E {
  entry.os = 3;
  entry.attrs = 0o100644 << 16;
  return entry;
}

interface Part {
  PartNumber: number;
  ETag: string;
  ChecksumSHA256: string;
}

export class HandoverZip {
  private readonly zip: Zip;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly parts: Part[] = [];
  private readonly whole = createHash('sha256');
  private size = 0;
  private failed: Error | undefined;
  private ended = false;

  private constructor(
    private readonly key: string,
    private readonly uploadId: string,
  ) {
    this.zip = new Zip((err, data, final) => {
      if (err) {
        this.failed = err;
        return;
      }
      this.pending.push(data);
      this.pendingBytes += data.length;
      this.whole.update(data);
      this.size += data.length;
      if (final) this.ended = true;
    });
  }

  /** Starts the upload of a new package at `key` (SHA-256 checked per part by S3). */
  static async open(key: string): Promise<HandoverZip> {
    const res = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: archiveBucket(),
        Key: key,
        ContentType: 'application/zip',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    if (!res.UploadId) throw new Error(`S3 gave no upload id for ${key}`);
    return new HandoverZip(key, res.UploadId);
  }

  /** Adds a text file, deflated. */
  async addText(path: string, text: string): Promise<Fixity> {
    const bytes = Buffer.from(text, 'utf8');
    const entry = unixEntry(new ZipDeflate(path, { level: 6 }));
    this.zip.add(entry);
    entry.push(bytes, true);
    await this.flush(false);
    return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  }

  /** Adds a file from a stream, stored as it is, chunk by chunk. */
  async addStream(path: string, body: AsyncIterable<Uint8Array>): Promise<Fixity> {
    const entry = unixEntry(new ZipPassThrough(path));
    this.zip.add(entry);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of body) {
      hash.update(chunk);
      bytes += chunk.length;
      entry.push(chunk, false);
      await this.flush(false);
    }
    entry.push(new Uint8Array(0), true);
    await this.flush(false);
    return { sha256: hash.digest('hex'), bytes };
  }

  /** Writes the ZIP's central directory and completes the upload: the package's size and SHA-256. */
  async finish(): Promise<Fixity> {
    this.zip.end();
    if (!this.ended) this.fail('the ZIP did not end');
    await this.flush(true);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: archiveBucket(),
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      }),
    );
    return { sha256: this.whole.digest('hex'), bytes: this.size };
  }

  /** Gives up: S3 drops the parts uploaded (the bucket's rule also aborts leftovers after a day). */
  async abort(): Promise<void> {
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: archiveBucket(), Key: this.key, UploadId: this.uploadId }),
    );
  }

  private fail(message: string): never {
    throw new Error(`${this.key}: ${message}`);
  }

  /** Uploads what has gathered once it fills a part, or everything left at the end. */
  private async flush(last: boolean): Promise<void> {
    if (this.failed) this.fail(this.failed.message);
    if (this.pendingBytes < PART_BYTES && !(last && (this.pendingBytes > 0 || this.parts.length === 0)))
      return;
    const body = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const PartNumber = this.parts.length + 1;
    const ChecksumSHA256 = createHash('sha256').update(body).digest('base64');
    const res = await s3.send(
      new UploadPartCommand({
        Bucket: archiveBucket(),
        Key: this.key,
        UploadId: this.uploadId,
        PartNumber,
        Body: body,
        ChecksumSHA256,
      }),
    );
    if (!res.ETag) this.fail(`S3 gave no ETag for part ${PartNumber}`);
    this.parts.push({ PartNumber, ETag: res.ETag, ChecksumSHA256 });
  }
}
