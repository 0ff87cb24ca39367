import type { ArchiveLookup, CustomerOnRecord, DocumentOnRecord } from './archive-lookup.ts';
import { type Problem, problem } from './problems.ts';
import type { CheckedRow } from './row-check.ts';

/**
 * A row against what the archive already holds: its customer number on record with another name,
 * type or region; its scan held already for that customer (archived: the row is `already` done;
 * still in intake: refused, it would be filed twice); its legacy code taken by another document.
 */

export interface ArchiveCheck {
  problems: Problem[];
  /** The archived document that holds this row's scan already. */
  already?: DocumentOnRecord;
  /** What the import would do for the row's customer, for the report. */
  note?: { zh: string; en: string };
}

export function customerProblems(fields: Partial<CheckedRow>, c: CustomerOnRecord): Problem[] {
  const differs: [string, string, string, string][] = [];
  if (fields.customerName !== undefined && fields.customerName !== c.name) {
    differs.push(['名称', 'name', fields.customerName, c.name]);
  }
  if (fields.customerType !== undefined && fields.customerType !== c.type) {
    differs.push(['类型', 'type', fields.customerType, c.type]);
  }
  if (fields.region !== undefined && fields.region !== c.region)
    differs.push(['区域', 'region', fields.region, c.region]);
  if (differs.length === 0) return [];
  return [
    problem(
      'customer-differs',
      `客户 ${c.customerNo} 已有记录，但${differs.map(([zh, , given, held]) => `${zh}为 ${held}，清单为 ${given}`).join('；')}`,
      `customer ${c.customerNo} is on record with ${differs.map(([, en, given, held]) => `${en} ${held}, the catalogue gives ${given}`).join('; ')}`,
    ),
  ];
}

export async function checkAgainstArchive(
  lookup: ArchiveLookup,
  fields: Partial<CheckedRow>,
  sha256: string | undefined,
  importId?: string,
): Promise<ArchiveCheck> {
  // A row's submission of this catalogue's own batch is `<importId>-<row>` (core/imports.ts).
  const ours = (doc: DocumentOnRecord) =>
    importId !== undefined && doc.submissionId.startsWith(`${importId}-`);
  const problems: Problem[] = [];
  let already: DocumentOnRecord | undefined;
  let note: ArchiveCheck['note'];
  const customer = fields.customerNo === undefined ? undefined : await lookup.customer(fields.customerNo);
  if (fields.customerNo !== undefined && customer === undefined) {
    note = { zh: `将新建客户 ${fields.customerNo}`, en: `customer ${fields.customerNo} will be created` };
  }
  if (customer) {
    problems.push(...customerProblems(fields, customer));
    const held = sha256 === undefined ? undefined : (await lookup.heldScans(customer.customerId)).get(sha256);
    // This import's own row, from a run that stopped or finished, is neither: the import reports it.
    const other = held && !ours(held) ? held : undefined;
    if (other?.status === 'ARCHIVED') already = other;
    else if (other) {
      problems.push(
        problem(
          'in-intake',
          `同一扫描件已在办理中（提交 ${other.submissionId}，${other.status}）`,
          `the same scan is already in intake (submission ${other.submissionId}, ${other.status})`,
        ),
      );
    }
  }
  if (fields.legacyCode !== undefined) {
    const owner = await lookup.codeOwner(fields.legacyCode);
    if (owner === 'outside-regions') {
      problems.push(
        problem(
          'legacy-code-taken',
          `原档号 ${fields.legacyCode} 已被你的区域以外的文件占用`,
          `legacy code ${fields.legacyCode} is held by a document outside your regions`,
        ),
      );
    } else if (owner && owner.documentId !== already?.documentId && !ours(owner)) {
      problems.push(
        problem(
          'legacy-code-taken',
          `原档号 ${fields.legacyCode} 已被文件 ${owner.documentId} 占用`,
          `legacy code ${fields.legacyCode} is held by document ${owner.documentId}`,
        ),
      );
    }
  }
  return { problems, ...(already ? { already } : {}), ...(note ? { note } : {}) };
}
