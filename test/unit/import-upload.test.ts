import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadScan } from '../../scripts/import/upload.ts';
import { ApiError } from '../../scripts/shared/errors.ts';

/** What the scripted endpoint saw of each PUT. */
interface Seen {
  contentLength?: string;
  transferEncoding?: string;
  bytes: number;
  sha256: string;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('uploading one scan of an import (scripts/import/upload.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dangan-upload-'));
  const seen: Seen[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '' };
  let url = '';
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
    });
    req.on('end', () => {
      seen.push({
        contentLength: req.headers['content-length'],
        transferEncoding: req.headers['transfer-encoding'],
        bytes,
        sha256: hash.digest('hex'),
      });
      res.writeHead(answer.status, { 'content-type': 'application/xml' });
      res.end(answer.body);
    });
  });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/intake/x`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const scanOf = (name: string, content: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return { path, scan: { row: 7, sha256: sha(content), size: content.length } };
  };
  // As the API hands a PUT out: the length is signed into the URL, not among the headers.
  const signed = () => ({
    url,
    headers: { 'content-type': 'application/pdf', 'x-amz-checksum-sha256': 'c2lnbmVk' },
  });

  it('sends the file as it was checked, with its signed length and no chunked encoding', async () => {
    answer = { status: 200, body: '' };
    // Larger than a stream's chunks, so the body goes in many pieces.
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 0x25);
    const { path, scan } = scanOf('big.pdf', content);
    seen.length = 0;
    await expect(uploadScan(path, scan, signed())).resolves.toEqual({ bytes: scan.size });
    expect(seen).toEqual([
      {
        contentLength: String(content.length),
        transferEncoding: undefined,
        bytes: content.length,
        sha256: scan.sha256,
      },
    ]);
  });

  it('sends nothing for a file changed since its check, naming the new and the checked SHA-256', async () => {
    const { path, scan } = scanOf('changed.pdf', Buffer.from('%PDF-1.7 checked'));
    writeFileSync(path, '%PDF-1.7 edited afterwards');
    seen.length = 0;
    const result = await uploadScan(path, scan, signed());
    expect(result).toEqual({
      changed: {
        zh: expect.stringContaining(`检查时为 ${scan.sha256.slice(0, 12)}`),
        en: expect.stringContaining(`SHA-256 ${sha(Buffer.from('%PDF-1.7 edited afterwards')).slice(0, 12)}`),
      },
    });
    expect(seen).toEqual([]);
  });

  it("counts S3's checksum refusal (a file changed while it was sent) as changed, not as a failed import", async () => {
    answer = { status: 400, body: '<Error><Code>BadDigest</Code><Message>digest mismatch</Message></Error>' };
    const { path, scan } = scanOf('raced.pdf', Buffer.from('%PDF-1.7 raced'));
    const result = await uploadScan(path, scan, signed());
    expect(result).toEqual({
      changed: { zh: expect.stringContaining('扫描件在检查后被改动'), en: expect.any(String) },
    });
  });

  it('stops the import on any other refusal, with the status and what the endpoint said', async () => {
    answer = {
      status: 403,
      body: '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
    };
    const { path, scan } = scanOf('late.pdf', Buffer.from('%PDF-1.7 late'));
    const err = await uploadScan(path, scan, signed()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect(String((err as Error).message)).toContain('Request has expired');
  });
});
