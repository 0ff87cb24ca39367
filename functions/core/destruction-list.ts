import type { BatchItem, DisposalBatch, ItemStatus } from './disposal.ts';
import type { Scheme } from './scheme.ts';
import { documentType } from './scheme.ts';

/**
 * What people read of disposal: batches and their items as the API shows them (titles masked
 * unless the role may see them), and the destruction list (销毁清册) a finished batch leaves for
 * ever, as data and as the printable page stored beside it.
 */

function mask(text: string): string {
  return `${Array.from(text)[0] ?? ''}***`;
}

/** Titles of sensitive types are masked unless the caller's role may see them, as for documents. */
export function itemView(item: BatchItem, scheme: Scheme, unmasked: boolean) {
  const type = documentType(scheme, item.docType);
  const sensitive = type?.sensitive ?? true;
  return {
    ...item,
    title: sensitive && !unmasked ? mask(item.title) : item.title,
    docTypeName: type?.name,
    masked: sensitive && !unmasked,
  };
}

export function batchView(batch: DisposalBatch) {
  const { executionArn: _execution, ...rest } = batch;
  return rest;
}

export interface DestructionList {
  title: string;
  batchId: string;
  fonds: string;
  category: string;
  schemeId: string;
  dueMonth: string;
  proposedOn: string;
  appraisedBy?: string;
  appraisedAt?: string;
  approvedBy?: string;
  approvedAt?: string;
  closedAt: string;
  destroyed: ListRow[];
  notDestroyed: ListRow[];
}

export interface ListRow {
  no: number;
  archiveCode: string;
  title: string;
  docType: string;
  docTypeName: string;
  retention: string;
  clockStart: string;
  dueOn: string;
  archivedAt: string;
  status: ItemStatus;
  destroyedAt?: string;
  note?: string;
}

/** The destruction list (销毁清册) of a closed batch: what was destroyed, what was not and why. */
export function destructionList(
  batch: DisposalBatch,
  items: readonly BatchItem[],
  scheme: Scheme,
  closedAt: string,
): DestructionList {
  const sorted = [...items].sort((a, b) => a.archiveCode.localeCompare(b.archiveCode));
  const row = (item: BatchItem, no: number): ListRow => {
    const type = documentType(scheme, item.docType);
    const note =
      item.status === 'EXTENDED' && item.extension
        ? `extended to ${item.extension.years} years (due ${item.extension.dueOn}): ${item.extension.reason}`
        : item.reason;
    return {
      no,
      archiveCode: item.archiveCode,
      title: item.title,
      docType: item.docType,
      docTypeName: type ? `${type.name.zh} ${type.name.en}` : item.docType,
      retention: `${item.retentionCode} (${item.retentionYears} years)`,
      clockStart: item.clockStart.slice(0, 10),
      dueOn: item.dueOn,
      archivedAt: item.archivedAt.slice(0, 10),
      status: item.status,
      ...(item.destroyedAt ? { destroyedAt: item.destroyedAt } : {}),
      ...(note ? { note } : {}),
    };
  };
  const destroyed = sorted.filter((i) => i.status === 'DESTROYED');
  const kept = sorted.filter((i) => i.status !== 'DESTROYED');
  return {
    title: '档案销毁清册 Destruction list',
    batchId: batch.batchId,
    fonds: batch.fonds,
    category: batch.category,
    schemeId: batch.schemeId,
    dueMonth: batch.dueMonth,
    proposedOn: batch.sweepDate,
    ...(batch.appraisedBy ? { appraisedBy: batch.appraisedBy } : {}),
    ...(batch.appraisedAt ? { appraisedAt: batch.appraisedAt } : {}),
    ...(batch.approvedBy ? { approvedBy: batch.approvedBy } : {}),
    ...(batch.approvedAt ? { approvedAt: batch.approvedAt } : {}),
    closedAt,
    destroyed: destroyed.map((i, n) => row(i, n + 1)),
    notDestroyed: kept.map((i, n) => row(i, n + 1)),
  };
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** A printable HTML rendering of the list (A4, one table per section). */
export function destructionListHtml(list: DestructionList): string {
  const cell = (v: string | number | undefined) => `<td>${escapeHtml(String(v ?? ''))}</td>`;
  const table = (rows: ListRow[], withNote: boolean) =>
    rows.length === 0
      ? '<p>—</p>'
      : `<table><thead><tr><th>序号 No.</th><th>档号 Archive code</th><th>题名 Title</th><th>类型 Type</th><th>保管期限 Retention</th><th>起算 Clock start</th><th>到期 Due</th><th>归档 Archived</th><th>${withNote ? '说明 Note' : '销毁时间 Destroyed'}</th></tr></thead><tbody>${rows
          .map(
            (r) =>
              `<tr>${cell(r.no)}${cell(r.archiveCode)}${cell(r.title)}${cell(r.docTypeName)}${cell(r.retention)}${cell(r.clockStart)}${cell(r.dueOn)}${cell(r.archivedAt)}${cell(withNote ? `${r.status}${r.note ? `: ${r.note}` : ''}` : r.destroyedAt)}</tr>`,
          )
          .join('')}</tbody></table>`;
  const meta = [
    ['批次 Batch', list.batchId],
    ['全宗 Fonds', list.fonds],
    ['门类 Category', list.category],
    ['到期月份 Due month', list.dueMonth],
    ['提出 Proposed', list.proposedOn],
    ['鉴定人 Appraised by', `${list.appraisedBy ?? ''} ${list.appraisedAt ?? ''}`],
    ['批准人 Approved by', `${list.approvedBy ?? ''} ${list.approvedAt ?? ''}`],
    ['完成 Closed', list.closedAt],
  ]
    .map(([k, v]) => `<tr><th>${escapeHtml(k ?? '')}</th><td>${escapeHtml(v ?? '')}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(list.title)} ${escapeHtml(list.batchId)}</title>
<style>@page{size:A4 landscape;margin:15mm}body{font-family:serif;font-size:10pt}table{border-collapse:collapse;width:100%;margin:8pt 0}th,td{border:1px solid #000;padding:2pt 4pt;text-align:left;vertical-align:top}h1{font-size:16pt;text-align:center}</style>
</head><body>
<h1>${escapeHtml(list.title)}</h1>
<table class="meta">${meta}</table>
<h2>已销毁 Destroyed (${list.destroyed.length})</h2>
${table(list.destroyed, false)}
<h2>未销毁 Not destroyed (${list.notDestroyed.length})</h2>
${table(list.notDestroyed, true)}
</body></html>
`;
}

/** Where destruction lists are kept in the archive bucket. */
export const DESTRUCTION_LIST_PREFIX = 'destruction-lists/';

/** Keys of a batch's destruction list in the archive bucket. */
export const destructionListKeys = (batch: string) => ({
  jsonKey: `${DESTRUCTION_LIST_PREFIX}${batch}.json`,
  htmlKey: `${DESTRUCTION_LIST_PREFIX}${batch}.html`,
});
