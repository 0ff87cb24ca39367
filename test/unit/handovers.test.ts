import { describe, expect, it } from 'vitest';
import { documentFiles, originalPlace } from '../../functions/core/bag-contents.ts';
import { DomainError } from '../../functions/core/errors.ts';
import { handoverRequestSchema, handoverSelection } from '../../functions/core/handover-request.ts';
import {
  checkHandoverCategory,
  checkHandoverPlan,
  HANDOVER_DEADLINE_SECONDS,
  HANDOVER_KEEP_DAYS,
  type Handover,
  handoverKey,
  handoverStatus,
  handoverView,
  MAX_HANDOVER_BYTES,
  MAX_HANDOVER_DOCUMENTS,
} from '../../functions/core/handovers.ts';
import { getScheme } from '../../functions/core/scheme.ts';

const scheme = getScheme('power-supply');
const CREATED = '2026-05-01T08:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(CREATED) + seconds * 1000);

const handover = (over: Partial<Handover> = {}): Handover => ({
  handoverId: 'h1',
  status: 'BUILDING',
  requestedBy: { sub: 's1', username: 'archivist1', roles: ['archivist'] },
  selection: { customers: ['3300012345'] },
  bag: 'dangan-export_3300012345',
  plan: { customerIds: ['c1'], documents: 3, bytes: 300 },
  createdAt: CREATED,
  updatedAt: CREATED,
  key: handoverKey('h1', 'dangan-export_3300012345'),
  requestId: 'r1',
  ...over,
});

/** The 400 a check throws, as the API answers it. */
function refusal(run: () => void): { status: number; message: string; details: unknown } {
  try {
    run();
  } catch (err) {
    if (err instanceof DomainError) return { status: err.status, message: err.message, details: err.details };
    throw err;
  }
  throw new Error('not refused');
}

describe('a handover selection', () => {
  it('reads customer numbers upper-cased, once each, with a year or a category', () => {
    const parsed = handoverRequestSchema.parse({
      customers: [' 3300012345', '3300012345', 'k-0099'],
      year: 2026,
    });
    expect(handoverSelection(parsed)).toEqual({ customers: ['3300012345', 'K-0099'], year: 2026 });
    expect(handoverSelection(handoverRequestSchema.parse({ year: 2025 }))).toEqual({
      customers: [],
      year: 2025,
    });
  });

  it('refuses no customer and no year, a bad number, an unknown field and too many customers', () => {
    expect(handoverRequestSchema.safeParse({}).success).toBe(false);
    expect(handoverRequestSchema.safeParse({ customers: ['x'] }).success).toBe(false);
    expect(handoverRequestSchema.safeParse({ customers: ['K1234'], out: '/tmp' }).success).toBe(false);
    const many = Array.from({ length: 51 }, (_, i) => `K${String(i).padStart(4, '0')}`);
    expect(handoverRequestSchema.safeParse({ customers: many }).success).toBe(false);
  });

  it('takes the scheme category, a class code or a business event; another is a 400 listing them', () => {
    for (const ok of [scheme.category, 'YK', 'NEWCONN'])
      expect(() => checkHandoverCategory(scheme, ok)).not.toThrow();
    const r = refusal(() => checkHandoverCategory(scheme, 'NOPE'));
    expect(r.status).toBe(400);
    expect(r.message).toContain('category NOPE is not in scheme power-supply');
    expect(r.message).toContain('分类方案中没有分类 NOPE');
    expect(r.details).toEqual([expect.objectContaining({ path: 'category', code: 'invalid_value' })]);
  });

  it('refuses a selection holding nothing, or more than a package holds, with the figure', () => {
    expect(refusal(() => checkHandoverPlan({ documents: 0, bytes: 0 }, false)).message).toContain(
      '所选范围内没有已归档的文件',
    );
    const many = refusal(() => checkHandoverPlan({ documents: MAX_HANDOVER_DOCUMENTS + 1, bytes: 1 }, true));
    expect(many.message).toContain(`more than ${MAX_HANDOVER_DOCUMENTS} documents`);
    expect(many.details).toEqual([expect.objectContaining({ code: 'too_big', params: { maximum: 2000 } })]);
    const big = refusal(() => checkHandoverPlan({ documents: 1, bytes: MAX_HANDOVER_BYTES + 1 }, false));
    expect(big.message).toContain(`${MAX_HANDOVER_BYTES + 1} bytes, more than ${MAX_HANDOVER_BYTES}`);
    expect(() =>
      checkHandoverPlan({ documents: MAX_HANDOVER_DOCUMENTS, bytes: MAX_HANDOVER_BYTES }, false),
    ).not.toThrow();
  });
});

describe('a handover package over time', () => {
  it('fails when still building past its deadline, and expires once the bucket has removed it', () => {
    expect(handoverStatus(handover(), at(HANDOVER_DEADLINE_SECONDS))).toBe('BUILDING');
    expect(handoverStatus(handover(), at(HANDOVER_DEADLINE_SECONDS + 1))).toBe('FAILED');
    const ready = handover({ status: 'READY' });
    const keep = HANDOVER_KEEP_DAYS * 86_400;
    expect(handoverStatus(ready, at(keep - 1))).toBe('READY');
    expect(handoverStatus(ready, at(keep))).toBe('EXPIRED');
  });

  it('shows the plan while building, what it holds once ready, and why it failed', () => {
    expect(handoverView(handover(), at(1))).toMatchObject({
      status: 'BUILDING',
      customers: 1,
      documents: 3,
      originalBytes: 300,
      fileName: 'dangan-export_3300012345.zip',
    });
    const result = {
      customers: 1,
      documents: 2,
      originalBytes: 200,
      payloadFiles: 11,
      payloadBytes: 900,
      bytes: 1200,
      sha256: 'a'.repeat(64),
    };
    expect(handoverView(handover({ status: 'READY', result }), at(1))).toMatchObject({
      status: 'READY',
      documents: 2,
      bytes: 1200,
      expiresAt: '2026-05-08T08:00:00.000Z',
    });
    expect(handoverView(handover(), at(HANDOVER_DEADLINE_SECONDS + 1)).failure?.code).toBe('deadline');
  });
});

describe('what a bag holds of a document', () => {
  it('places the original under its archive code, and lists it with the SHA-256 recorded at intake', () => {
    const doc = {
      documentId: 'd1',
      customerId: 'c1',
      status: 'ARCHIVED',
      archiveCode: 'Z001-KH·2026-D30-YK-0007',
      title: '供用电合同',
      docType: 'CONTRACT',
      businessEvent: 'NEWCONN',
      contentType: 'application/pdf',
      sensitive: false,
      sha256: 'b'.repeat(64),
      size: 10,
      receivedSize: 12,
      archivedAt: '2026-03-15T09:30:00.000Z',
      retentionCode: 'D30',
    };
    const customer = { customerId: 'c1', customerNo: '3300012345', name: '张三' };
    expect(originalPlace(customer, doc)).toMatchObject({
      path: 'data/3300012345/Z001-KH·2026-D30-YK-0007/Z001-KH·2026-D30-YK-0007.pdf',
      expected: { sha256: 'b'.repeat(64), bytes: 12 },
    });
    const { files, row } = documentFiles({
      scheme,
      startedAt: CREATED,
      customer,
      doc,
      history: { documentId: 'd1', status: 'ARCHIVED', items: [] },
    });
    expect(files.map((f) => f.path.split('/').pop())).toEqual([
      'metadata.json',
      'metadata.xml',
      'history.json',
    ]);
    expect(JSON.parse(files[0]?.text ?? '')).toMatchObject({ document: doc, customer });
    expect(row).toMatchObject({
      archiveCode: doc.archiveCode,
      date: '2026-03-15',
      bytes: 12,
      retentionCode: 'D30',
    });
  });
});
