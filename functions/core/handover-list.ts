import { csvField } from './csv-field.ts';
import { RETENTION_WORDS } from './retention-words.ts';

/**
 * The handover list (移交清单) of a bag, as CSV (UTF-8 with a byte-order mark, so spreadsheets read
 * the Chinese; fields a spreadsheet would run as formulas neutralised as in the audit trail's CSV)
 * and as printable HTML (A4, with lines for the signatures of who hands over and who receives).
 * Both are written a row at a time, so a list of any length never sits in memory.
 */

export interface HandoverRow {
  no: number;
  customerNo: string;
  archiveCode: string;
  title: string;
  docType: string;
  /** The archiving day, YYYY-MM-DD. */
  date: string;
  retentionCode: string;
  bytes: number;
  sha256: string;
  /** The original's path in the bag. */
  file: string;
}

export interface HandoverMeta {
  bag: string;
  exportId: string;
  exportedBy: string;
  baggingDate: string;
  selection: string;
  customers: number;
  documents: number;
  bytes: number;
}

const COLUMNS: readonly (readonly [string, (r: HandoverRow) => string | number])[] = [
  ['序号 No.', (r) => r.no],
  ['客户编号 Customer', (r) => r.customerNo],
  ['档号 Archive code', (r) => r.archiveCode],
  ['题名 Title', (r) => r.title],
  ['类型 Type', (r) => r.docType],
  ['日期 Date', (r) => r.date],
  ['保管期限 Retention', (r) => retentionWords(r.retentionCode)],
  ['字节 Bytes', (r) => r.bytes],
  ['SHA-256', (r) => r.sha256],
  ['文件 File', (r) => r.file],
];

export const retentionWords = (code: string): string =>
  RETENTION_WORDS[code] === undefined ? code : `${RETENTION_WORDS[code]} (${code})`;

/** The CSV's first line, after the byte-order mark. */
export const csvHead = (): string => `\ufeff${COLUMNS.map(([name]) => csvField(name)).join(',')}\r\n`;

export const csvRow = (r: HandoverRow): string =>
  `${COLUMNS.map(([, get]) => csvField(get(r))).join(',')}\r\n`;

export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const STYLE =
  '@page{size:A4 landscape;margin:12mm}body{font-family:serif;font-size:9pt}table{border-collapse:collapse;width:100%;margin:6pt 0}th,td{border:1px solid #000;padding:2pt 3pt;text-align:left;vertical-align:top}td.hash{font-family:monospace;font-size:7pt;word-break:break-all}h1{font-size:16pt;text-align:center}thead{display:table-header-group}tr{page-break-inside:avoid}.sign td{border:none;padding-top:18pt}';

export function htmlHead(meta: HandoverMeta): string {
  const rows = [
    ['包 Bag', meta.bag],
    ['导出编号 Export id', meta.exportId],
    ['导出人 Exported by', meta.exportedBy],
    ['日期 Date', meta.baggingDate],
    ['选择 Selection', meta.selection],
    ['客户 Customers', String(meta.customers)],
    ['件数 Documents', String(meta.documents)],
    ['原件字节 Bytes of originals', String(meta.bytes)],
  ]
    .map(([k, v]) => `<tr><th>${escapeHtml(k ?? '')}</th><td>${escapeHtml(v ?? '')}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>移交清单 Handover list ${escapeHtml(meta.bag)}</title>
<style>${STYLE}</style>
</head><body>
<h1>移交清单 Handover list</h1>
<table class="meta">${rows}</table>
<table><thead><tr>${COLUMNS.map(([name]) => `<th>${escapeHtml(name)}</th>`).join('')}</tr></thead><tbody>
`;
}

export function htmlRow(r: HandoverRow): string {
  const cells = COLUMNS.map(([name, get]) => {
    const cls = name === 'SHA-256' ? ' class="hash"' : '';
    return `<td${cls}>${escapeHtml(String(get(r)))}</td>`;
  });
  return `<tr>${cells.join('')}</tr>\n`;
}

export function htmlTail(): string {
  return `</tbody></table>
<table class="sign"><tr><td>移交人 Handed over by: ____________</td><td>接收人 Received by: ____________</td><td>日期 Date: ____________</td></tr></table>
</body></html>
`;
}
