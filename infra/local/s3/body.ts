/**
 * Receiving request bodies: plain or aws-chunked (STREAMING-UNSIGNED-PAYLOAD-TRAILER,
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]), hashed on the fly (MD5 for the ETag, SHA-256 for
 * x-amz-content-sha256, any x-amz-checksum-* algorithm) and written either to a temp file or to memory.
 * Verification against what the client declared happens in `verifyBody`, before anything is stored.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  type ChecksumAlgorithm,
  checksumHeader,
  createChecksum,
  type IncrementalChecksum,
  isValidChecksumValue,
  parseChecksumAlgorithm,
} from './checksums.ts';
import { errors, S3Error } from './errors.ts';
import {
  type AuthResult,
  chunkSignature,
  equalSignatures,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  trailerSignature,
} from './sigv4.ts';

export interface ReceivedBody {
  size: number;
  md5: Buffer;
  /** SHA-256 (hex) of the bytes as sent on the wire, computed only for plain bodies. */
  rawSha256?: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  trailers: Record<string, string>;
  /** Set when received to a file. */
  file?: string;
  /** Set when received to memory. */
  data?: Buffer;
}

export interface ReceiveOptions {
  auth: AuthResult;
  headers: Record<string, string>;
  /** Checksum algorithms to compute over the decoded body. */
  algorithms: ChecksumAlgorithm[];
  /** Write to this file; otherwise the body is kept in memory (with `maxMemory` as limit). */
  file?: string;
  maxMemory?: number;
}

const MAX_CHUNK_HEADER = 4096;

/** Incremental decoder for the aws-chunked content encoding. */
class AwsChunkedDecoder {
  private state: 'header' | 'data' | 'data-end' | 'trailer' | 'done' = 'header';
  private line = Buffer.alloc(0);
  private remaining = 0;
  private chunkSig: string | undefined;
  private chunkHash: Hash | undefined;
  private prevSig: string;
  readonly trailers: Record<string, string> = {};
  private readonly trailerLines: string[] = [];
  private trailerSig: string | undefined;

  constructor(
    private readonly auth: AuthResult,
    private readonly signed: boolean,
    private readonly onData: (data: Buffer) => void,
  ) {
    this.prevSig = auth.signature;
  }

  private incomplete(): S3Error {
    return new S3Error('IncompleteBody', 400, 'The request body terminated unexpectedly');
  }

  write(input: Buffer): void {
    let buf = input;
    while (buf.length > 0) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, buf.length);
        const part = buf.subarray(0, take);
        this.chunkHash?.update(part);
        this.onData(part);
        this.remaining -= take;
        buf = buf.subarray(take);
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') {
        if (buf.toString('latin1').trim() !== '') throw this.incomplete();
        return;
      }
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        this.line = Buffer.concat([this.line, buf]);
        if (this.line.length > MAX_CHUNK_HEADER) throw this.incomplete();
        return;
      }
      const lineBuf = Buffer.concat([this.line, buf.subarray(0, nl)]);
      this.line = Buffer.alloc(0);
      buf = buf.subarray(nl + 1);
      const text = lineBuf.toString('utf8').replace(/\r$/, '');
      this.onLine(text);
    }
  }

  private onLine(text: string): void {
    switch (this.state) {
      case 'data-end':
        if (text !== '') throw this.incomplete();
        this.finishChunk();
        this.state = 'header';
        return;
      case 'header': {
        const [sizeHex, ...exts] = text.split(';');
        if (!sizeHex || !/^[0-9a-fA-F]+$/.test(sizeHex.trim())) throw this.incomplete();
        const size = Number.parseInt(sizeHex.trim(), 16);
        this.chunkSig = undefined;
        for (const ext of exts) {
          const [k, v] = ext.split('=');
          if (k?.trim() === 'chunk-signature') this.chunkSig = v?.trim();
        }
        if (this.signed) {
          if (!this.chunkSig) throw errors.signatureDoesNotMatch({ Reason: 'missing chunk-signature' });
          this.chunkHash = createHash('sha256');
        }
        if (size === 0) {
          this.finishChunk();
          this.state = 'trailer';
        } else {
          this.remaining = size;
          this.state = 'data';
        }
        return;
      }
      case 'trailer': {
        if (text === '') {
          this.state = 'done';
          return;
        }
        const colon = text.indexOf(':');
        if (colon <= 0) throw this.incomplete();
        const name = text.slice(0, colon).trim().toLowerCase();
        const value = text.slice(colon + 1).trim();
        if (name === 'x-amz-trailer-signature') this.trailerSig = value;
        else {
          this.trailers[name] = value;
          this.trailerLines.push(`${name}:${value}\n`);
        }
        return;
      }
      default:
        throw this.incomplete();
    }
  }

  private finishChunk(): void {
    if (!this.signed || !this.chunkHash) return;
    const expected = chunkSignature(this.auth, this.prevSig, this.chunkHash.digest('hex'));
    if (!this.chunkSig || !equalSignatures(expected, this.chunkSig)) {
      throw errors.signatureDoesNotMatch({
        SignatureProvided: this.chunkSig ?? '',
        Reason: 'chunk signature',
      });
    }
    this.prevSig = expected;
    this.chunkHash = undefined;
  }

  end(requireTrailerSignature: boolean): void {
    if (this.state !== 'trailer' && this.state !== 'done') throw this.incomplete();
    if (requireTrailerSignature) {
      const expected = trailerSignature(this.auth, this.prevSig, this.trailerLines.join(''));
      if (!this.trailerSig || !equalSignatures(expected, this.trailerSig)) {
        throw errors.signatureDoesNotMatch({
          SignatureProvided: this.trailerSig ?? '',
          Reason: 'trailer signature',
        });
      }
    }
  }
}

function isAwsChunked(headers: Record<string, string>, payloadHash: string): boolean {
  if (payloadHash.startsWith('STREAMING-')) return true;
  return (headers['content-encoding'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes('aws-chunked');
}

/** Reads the whole request body, decoding and hashing it, into a file or memory. */
export async function receiveBody(req: Readable, opts: ReceiveOptions): Promise<ReceivedBody> {
  const payloadHash = opts.auth.payloadHash;
  const chunked = isAwsChunked(opts.headers, payloadHash);
  if (
    chunked &&
    ![STREAMING_UNSIGNED_TRAILER, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER].includes(payloadHash)
  ) {
    throw errors.invalidArgument(
      'aws-chunked encoding requires x-amz-content-sha256 STREAMING-UNSIGNED-PAYLOAD-TRAILER or STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]',
      'x-amz-content-sha256',
      payloadHash,
    );
  }
  const md5 = createHash('md5');
  const rawSha = chunked ? undefined : createHash('sha256');
  const sums = new Map<ChecksumAlgorithm, IncrementalChecksum>();
  for (const alg of new Set(opts.algorithms)) sums.set(alg, createChecksum(alg));
  let size = 0;
  const memory: Buffer[] = [];
  let out: WriteStream | undefined;
  if (opts.file) out = createWriteStream(opts.file);
  let outError: Error | undefined;
  out?.on('error', (e) => {
    outError = e;
  });
  const limit = opts.maxMemory ?? 20 * 1024 * 1024;

  const pending: Buffer[] = [];
  const onData = (data: Buffer) => {
    size += data.length;
    md5.update(data);
    for (const s of sums.values()) s.update(data);
    if (out) pending.push(data);
    else {
      if (size > limit)
        throw new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size');
      memory.push(data);
    }
  };
  const decoder = chunked
    ? new AwsChunkedDecoder(opts.auth, payloadHash !== STREAMING_UNSIGNED_TRAILER, onData)
    : undefined;

  try {
    for await (const raw of req) {
      const chunk = raw as Buffer;
      if (decoder) decoder.write(chunk);
      else {
        rawSha?.update(chunk);
        onData(chunk);
      }
      if (out && pending.length > 0) {
        const ok = out.write(Buffer.concat(pending.splice(0)));
        if (!ok) await once(out, 'drain');
      }
      if (outError) throw outError;
    }
    decoder?.end(payloadHash === STREAMING_SIGNED_TRAILER);
    if (out) {
      out.end();
      await once(out, 'finish');
      if (outError) throw outError;
    }
  } catch (e) {
    out?.destroy();
    if (opts.file) rmSync(opts.file, { force: true });
    if (e instanceof S3Error) throw e;
    throw new S3Error('IncompleteBody', 400, 'The request body terminated unexpectedly');
  }

  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const [alg, s] of sums) checksums[alg] = s.digest().toString('base64');
  const result: ReceivedBody = {
    size,
    md5: md5.digest(),
    checksums,
    trailers: decoder?.trailers ?? {},
  };
  if (rawSha) result.rawSha256 = rawSha.digest('hex');
  if (opts.file) result.file = opts.file;
  else result.data = Buffer.concat(memory);
  return result;
}

export interface ChecksumDeclaration {
  /** Algorithm whose value arrives in a header or in the aws-chunked trailer. */
  algorithm?: ChecksumAlgorithm;
  headerValue?: string;
  inTrailer: boolean;
}

/**
 * Which checksum the client declared: one x-amz-checksum-* header, or an x-amz-trailer naming one.
 * Validates the combination the way S3 does.
 */
export function declaredChecksum(headers: Record<string, string>): ChecksumDeclaration {
  const present = Object.keys(headers)
    .filter(
      (h) =>
        h.startsWith('x-amz-checksum-') &&
        h !== 'x-amz-checksum-algorithm' &&
        h !== 'x-amz-checksum-type' &&
        h !== 'x-amz-checksum-mode',
    )
    .map((h) => ({ header: h, alg: parseChecksumAlgorithm(h.slice('x-amz-checksum-'.length)) }));
  const unknown = present.find((p) => !p.alg);
  if (unknown) throw errors.invalidRequest(`Unsupported checksum header ${unknown.header}`);
  const trailer = headers['x-amz-trailer'];
  let trailerAlg: ChecksumAlgorithm | undefined;
  if (trailer) {
    const name = trailer.trim().toLowerCase();
    if (name.startsWith('x-amz-checksum-')) {
      trailerAlg = parseChecksumAlgorithm(name.slice('x-amz-checksum-'.length));
      if (!trailerAlg)
        throw errors.invalidRequest(`The value specified in the x-amz-trailer header is not supported`);
    }
  }
  if (present.length + (trailerAlg ? 1 : 0) > 1) {
    throw errors.invalidRequest(
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  }
  const sdkAlg = headers['x-amz-sdk-checksum-algorithm'];
  const first = present[0];
  if (first?.alg) {
    const value = headers[first.header] as string;
    if (!isValidChecksumValue(first.alg, value)) {
      throw errors.invalidRequest(`Value for ${first.header} header is invalid.`);
    }
    if (sdkAlg && parseChecksumAlgorithm(sdkAlg) !== first.alg) {
      throw errors.invalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
    }
    return { algorithm: first.alg, headerValue: value, inTrailer: false };
  }
  if (trailerAlg) return { algorithm: trailerAlg, inTrailer: true };
  if (sdkAlg) {
    if (!parseChecksumAlgorithm(sdkAlg))
      throw errors.invalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
    throw errors.invalidRequest(
      'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    );
  }
  return { inTrailer: false };
}

/**
 * Checks a received body against x-amz-content-sha256, Content-MD5, x-amz-decoded-content-length
 * and the declared checksum. Returns the verified checksum value of the declared algorithm, if any.
 */
export function verifyBody(
  body: ReceivedBody,
  headers: Record<string, string>,
  auth: AuthResult,
  declared: ChecksumDeclaration,
): string | undefined {
  if (
    /^[0-9a-f]{64}$/.test(auth.payloadHash) &&
    body.rawSha256 !== undefined &&
    body.rawSha256 !== auth.payloadHash
  ) {
    throw errors.contentSha256Mismatch(auth.payloadHash, body.rawSha256);
  }
  const decodedLength = headers['x-amz-decoded-content-length'];
  if (
    decodedLength !== undefined &&
    auth.payloadHash.startsWith('STREAMING-') &&
    Number(decodedLength) !== body.size
  ) {
    throw new S3Error(
      'IncompleteBody',
      400,
      'You did not provide the number of bytes specified by the Content-Length HTTP header',
    );
  }
  const contentMd5 = headers['content-md5'];
  if (contentMd5 !== undefined) {
    const expected = Buffer.from(contentMd5, 'base64');
    if (expected.length !== 16 || !/^[A-Za-z0-9+/]+={0,2}$/.test(contentMd5)) throw errors.invalidDigest();
    if (!expected.equals(body.md5)) throw errors.badDigest();
  }
  if (!declared.algorithm) return undefined;
  const computed = body.checksums[declared.algorithm];
  let provided = declared.headerValue;
  if (declared.inTrailer) {
    provided = body.trailers[checksumHeader(declared.algorithm)];
    if (provided === undefined) {
      throw errors.invalidRequest(
        `x-amz-trailer names ${checksumHeader(declared.algorithm)} but the trailer was not sent`,
      );
    }
    if (!isValidChecksumValue(declared.algorithm, provided)) {
      throw errors.invalidRequest(
        `Value for ${checksumHeader(declared.algorithm)} trailing header is invalid.`,
      );
    }
  }
  if (computed === undefined || provided !== computed) {
    throw errors.badDigest(`The ${declared.algorithm} you specified did not match the calculated checksum.`);
  }
  return computed;
}
