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
      authenticity: { passed: true, messages: [], findings: [] },
      integrity: { passed: true, messages: [], findings: [] },
      usability: { passed: true, messages: [], findings: [] },
      safety: { passed: true, messages: [], findings: [] },
    });
  });

  it('authenticity: fails when the stored SHA-256 differs from the declared one', () => {
    const out = run([document(0, { receivedSha256: sha(0xee) }), document(1), document(2), document(3)]);
    expect(out.valid).toBe(false);
    expect(out.problems).toEqual([
      {
        documentId: DOC_IDS[0],
        check: 'authenticity',
        code: 'sha256.mismatch',
        params: { received: expect.stringMatching(/^e{12}…$/), declared: expect.any(String) },
        message: expect.stringMatching(/SHA-256 of the upload .* differs/),
      },
    ]);
    expect(out.checks[DOC_IDS[0]]?.authenticity).toMatchObject({
      passed: false,
      findings: [{ code: 'sha256.mismatch' }],
    });
    expect(out.checks[DOC_IDS[0]]?.integrity.passed).toBe(true);
  });

  it('authenticity: fails when storage recorded no checksum', () => {
    const out = run([document(0, { receivedSha256: undefined }), document(1), document(2), document(3)]);
    expect(out.problems).toContainEqual({
      documentId: DOC_IDS[0],
      check: 'authenticity',
      code: 'sha256.unrecorded',
      message: 'storage recorded no SHA-256 for the upload',
    });
  });

  it('integrity: names the required document types that are missing', () => {
    const sub = submission({ documentIds: [DOC_IDS[0], DOC_IDS[1]] });
    const out = run([document(0), document(1)], clean, sub);
    expect(out.valid).toBe(false);
    expect(out.problems).toEqual([
      {
        check: 'integrity',
        code: 'required.missing',
        params: { businessEvent: 'NEWCONN', docTypes: 'LANDCERT,CONTRACT' },
        message: 'required document types missing for NEWCONN: LANDCERT, CONTRACT',
      },
    ]);
  });

  it('integrity: fails when the uploaded size differs from the declared size', () => {
    const out = run([document(0), document(1, { receivedSize: 999 }), document(2), document(3)]);
    expect(out.problems).toEqual([
      {
        documentId: DOC_IDS[1],
        check: 'integrity',
        code: 'size.mismatch',
        params: { received: 999, declared: 1001 },
        message: 'uploaded 999 bytes, declared 1001',
      },
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
      code: 'metadata.missing',
      params: { field: 'title' },
      message: 'metadata title is missing',
    });
    expect(out.problems).toContainEqual({
      documentId: DOC_IDS[1],
      check: 'integrity',
      code: 'not-uploaded',
      params: { status: 'PENDING_UPLOAD' },
      message: 'not uploaded (PENDING_UPLOAD)',
    });
  });

  it('integrity: a document without a record is a problem', () => {
    const out = run([document(0), document(1), document(2)]);
    expect(out.problems).toContainEqual({
      documentId: DOC_IDS[3],
      check: 'integrity',
      code: 'document.no-record',
      params: { documentId: DOC_IDS[3] },
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
        code: 'fileType.mismatch',
        params: { found: 'application/octet-stream', declared: 'application/pdf' },
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
      code: 'contentType.not-allowed',
      params: { contentType: 'image/gif' },
      message: "content type image/gif is not on the scheme's list",
    });
  });

  it.each([
    ['THREATS_FOUND', 'scan.threat', undefined, 'the malware scan found a threat'],
    [
      'UNSUPPORTED',
      'scan.incomplete',
      { scan: 'UNSUPPORTED' },
      'the malware scan did not complete (UNSUPPORTED)',
    ],
    [undefined, 'scan.missing', undefined, 'the upload has not been scanned for malware'],
  ])('safety: scan status %s fails', (status, code, params, message) => {
    const out = run(documents(), { ...clean, [DOC_IDS[2]]: status });
    expect(out.valid).toBe(false);
    expect(out.problems).toEqual([
      { documentId: DOC_IDS[2], check: 'safety', code, ...(params ? { params } : {}), message },
    ]);
  });
});
