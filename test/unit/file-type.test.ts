import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniffContentType } from '../../functions/core/file-type.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);
const text = (s: string) => new TextEncoder().encode(s);

describe('sniffContentType', () => {
  it.each([
    ['application/pdf', text('%PDF-1.7\n%âãÏÓ\n1 0 obj')],
    ['image/jpeg', bytes(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46)],
    ['image/png', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d)],
    ['image/tiff', bytes(0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00)],
    ['image/tiff', bytes(0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08)],
  ])('recognises %s from its magic bytes', (type, head) => {
    expect(sniffContentType(head)).toBe(type);
  });

  it.each([
    ['a text file named .pdf', text('hello, this is not a PDF')],
    ['a Windows executable', bytes(0x4d, 0x5a, 0x90, 0x00)],
    ['a ZIP archive', bytes(0x50, 0x4b, 0x03, 0x04)],
    ['a truncated PNG signature', bytes(0x89, 0x50, 0x4e)],
    ['PDF magic not at the start', text(' %PDF-1.7')],
    ['an empty file', new Uint8Array()],
  ])('calls %s application/octet-stream', (_name, head) => {
    expect(sniffContentType(head)).toBe('application/octet-stream');
  });

  it('needs no more than the bytes storage reads', () => {
    expect(SNIFF_BYTES).toBe(64);
    const long = new Uint8Array(SNIFF_BYTES);
    long.set(text('%PDF-'));
    expect(sniffContentType(long)).toBe('application/pdf');
  });
});
