/**
 * Checksum algorithms supported by S3 "flexible checksums" (x-amz-checksum-*).
 * All five are computed here, incrementally, so every algorithm a client sends is verified:
 * CRC32 (IEEE), CRC32C (Castagnoli), CRC64NVME, SHA1 and SHA256.
 */
import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** Header carrying the checksum of an algorithm, e.g. `x-amz-checksum-crc32c`. */
export function checksumHeader(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

export function parseChecksumAlgorithm(value: string | undefined): ChecksumAlgorithm | undefined {
  if (!value) return undefined;
  const upper = value.toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper)
    ? (upper as ChecksumAlgorithm)
    : undefined;
}

/** Byte length of the raw (decoded) digest of each algorithm. */
export const CHECKSUM_LENGTH: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

function makeCrc32Table(reversedPoly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reversedPoly : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = makeCrc32Table(0xedb88320);
const CRC32C_TABLE = makeCrc32Table(0x82f63b78);

/** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), table split into 32-bit halves. */
const CRC64_HI = new Uint32Array(256);
const CRC64_LO = new Uint32Array(256);
{
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  for (let i = 0; i < 256; i++) {
    let hi = 0;
    let lo = i;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        hi = (hi ^ polyHi) >>> 0;
        lo = (lo ^ polyLo) >>> 0;
      }
    }
    CRC64_HI[i] = hi;
    CRC64_LO[i] = lo;
  }
}

/** Incremental digest producing raw bytes; `digest()` may be called once. */
export interface IncrementalChecksum {
  update(data: Uint8Array): void;
  digest(): Buffer;
}

class Crc32Like implements IncrementalChecksum {
  private crc = 0xffffffff;
  constructor(private readonly table: Uint32Array) {}
  update(data: Uint8Array): void {
    let crc = this.crc;
    const table = this.table;
    for (let i = 0; i < data.length; i++) {
      crc = (crc >>> 8) ^ (table[(crc ^ (data[i] as number)) & 0xff] as number);
    }
    this.crc = crc;
  }
  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE((this.crc ^ 0xffffffff) >>> 0);
    return out;
  }
}

/** CRC32 through zlib's native implementation (Node >= 22.2), an order of magnitude faster. */
class NativeCrc32 implements IncrementalChecksum {
  private crc = 0;
  constructor(private readonly native: (data: Uint8Array, value?: number) => number) {}
  update(data: Uint8Array): void {
    this.crc = this.native(data, this.crc);
  }
  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.crc >>> 0);
    return out;
  }
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

class Crc64Nvme implements IncrementalChecksum {
  private hi = 0xffffffff;
  private lo = 0xffffffff;
  update(data: Uint8Array): void {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = 0; i < data.length; i++) {
      const idx = (lo ^ (data[i] as number)) & 0xff;
      lo = (((lo >>> 8) | ((hi & 0xff) << 24)) ^ (CRC64_LO[idx] as number)) >>> 0;
      hi = ((hi >>> 8) ^ (CRC64_HI[idx] as number)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return out;
  }
}

class NodeHash implements IncrementalChecksum {
  private readonly hash: Hash;
  constructor(alg: string) {
    this.hash = createHash(alg);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

export function createChecksum(alg: ChecksumAlgorithm): IncrementalChecksum {
  switch (alg) {
    case 'CRC32':
      return nativeCrc32 ? new NativeCrc32(nativeCrc32) : new Crc32Like(CRC32_TABLE);
    case 'CRC32C':
      return new Crc32Like(CRC32C_TABLE);
    case 'CRC64NVME':
      return new Crc64Nvme();
    case 'SHA1':
      return new NodeHash('sha1');
    case 'SHA256':
      return new NodeHash('sha256');
  }
}

/** Base64 checksum of a whole buffer, as it appears in x-amz-checksum-* headers. */
export function checksumOf(alg: ChecksumAlgorithm, data: Uint8Array): string {
  const c = createChecksum(alg);
  c.update(data);
  return c.digest().toString('base64');
}

/** True when `value` is well-formed base64 of the digest length of `alg`. */
export function isValidChecksumValue(alg: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === CHECKSUM_LENGTH[alg];
}
