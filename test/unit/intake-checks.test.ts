import { describe, expect, it } from 'vitest';
import { runIntakeChecks } from '../../functions/core/intake-checks.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import { DOC_IDS, document, documents, sha, submission } from './intake-fixtures.ts';

const scheme = getScheme('power-supply');
const clean = Object.fromEntries(DOC_IDS.map((id) => [id, 'NO_THREATS_FOUND']));

const run = (docs = documents(), scans: Record<string, string | undefined> = clean, sub = submission()) =>
  runIntakeChecks({ scheme, submission: sub, documents: docs, scans });

describe('runIntakeChecks (DA/T 70 at intake)', () => {
  it('passes a complete, matching, clean submission and records all four checks per document', () => {
    const out = run();
    expect(out.valid).toBe(true);
    expect(out.problems).toEqual([]);
    expect(Object.keys(out.checks)).toEqual([...DOC_IDS]);
    expect(out.checks[DOC_IDS[0]]).toEqual({
      authenticity: { passed: true, messages: [] },
      integrity: { passed: true, messages: [] },
      usability: { passed: true, messages: [] },
      safety: { passed: true, messages: [] },
    });
  });

  it('authenticity: fails when the stored SHA-256 differs from the declared one', () => {
    const out = run([document(0, { receivedSha256: sha(0xee) }), document(1), document(2), document(3)]);
    expect(out.valid).toBe(false);
    expect(out.problems).toEqual([
      {
        documentId: DOC_IDS[0],
        check: 'authenticity',
        message: expect.stringMatching(/SHA-256 of the upload .* differs/),
      },
    ]);
    expect(out.checks[DOC_IDS[0]]?.authenticity.passed).toBe(false);
    expect(out.checks[DOC_IDS[0]]?.integrity.passed).toBe(true);
  });

  it('authenticity: fails when storage recorded no checksum', () => {
    const out = run([document(0, { receivedSha256: undefined }), document(1), document(2), document(3)]);
    expect(out.problems).toContainEqual({
      documentId: DOC_IDS[0],
      check: 'authenticity',
      message: 'storage recorded no SHA-256 for the upload',
    });
  });

  it('integrity: names the required document types that are missing', () => {
    const sub = submission({ documentIds: [DOC_IDS[0], DOC_IDS[1]] });
    const out = run([document(0), document(1)], clean, sub);
    expect(out.valid).toBe(false);
    expect(out.problems).toEqual([
      { check: 'integrity', message: 'required document types missing for NEWCONN: LANDCERT, CONTRACT' },
    ]);
  });

  it('integrity: fails when the uploaded size differs from the declared size', () => {
    const out = run([document(0), document(1, { receivedSize: 999 }), document(2), document(3)]);
    expect(out.problems).toEqual([
      { documentId: DOC_IDS[1], check: 'integrity', message: 'uploaded 999 bytes, declared 1001' },
    ]);
  });

  it('integrity: fails for incomplete metadata and for documents never uploaded', () => {
    const out = run([
      document(0, { title: ' ' }),
      document(1, {
        status: 'PENDING_UPLOAD',
        receivedSize: undefined,
        receivedSha256: undefined,
        sniffedType: undefined,
      }),
      document(2),
      document(3),
    ]);
    expect(out.problems).toContainEqual({
      documentId: DOC_IDS[0],
      check: 'integrity',
      message: 'metadata title is missing',
    });
    expect(out.problems).toContainEqual({
      documentId: DOC_IDS[1],
      check: 'integrity',
      message: 'not uploaded (PENDING_UPLOAD)',
    });
  });

  it('integrity: a document without a record is a problem', () => {
    const out = run([document(0), document(1), document(2)]);
    expect(out.problems).toContainEqual({
      documentId: DOC_IDS[3],
      check: 'integrity',
      message: `document ${DOC_IDS[3]} has no record`,
    });
  });

  it('usability: fails when the bytes are not of the declared type', () => {
    const out = run([
      document(0, { sniffedType: 'application/octet-stream' }),
      document(1),
      document(2),
      document(3),
    ]);
    expect(out.problems).toEqual([
      {
        documentId: DOC_IDS[0],
        check: 'usability',
        message: 'the file is application/octet-stream, declared application/pdf',
      },
    ]);
  });

  it('usability: fails for a content type no longer on the scheme list', () => {
    const out = run([
      document(0, { contentType: 'image/gif', sniffedType: 'image/gif' }),
      document(1),
      document(2),
      document(3),
    ]);
    expect(out.problems).toContainEqual({
      documentId: DOC_IDS[0],
      check: 'usability',
      message: "content type image/gif is not on the scheme's list",
    });
  });

  it.each([
    ['THREATS_FOUND', 'the malware scan found a threat'],
    ['UNSUPPORTED', 'the malware scan did not complete (UNSUPPORTED)'],
    [undefined, 'the upload has not been scanned for malware'],
  ])('safety: scan status %s fails', (status, message) => {
    const out = run(documents(), { ...clean, [DOC_IDS[2]]: status });
    expect(out.valid).toBe(false);
    expect(out.problems).toEqual([{ documentId: DOC_IDS[2], check: 'safety', message }]);
  });
});
