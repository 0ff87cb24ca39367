/**
 * Why a catalogue row cannot be imported, in Chinese and English, with a reason code the summary
 * counts rows by. Each reason has a short label for the summary; each problem names its row's
 * own values in its text.
 */

export const REASONS = {
  'missing-field': { zh: '缺少必填项', en: 'required field empty' },
  'bad-customer': { zh: '客户信息不合格式', en: 'customer details malformed' },
  'unknown-code': { zh: '分类方案中没有该代码或名称', en: 'not in the scheme' },
  'type-not-in-event': { zh: '该业务事项不收此文件类型', en: 'document type not filed under the event' },
  'paper-original': { zh: '纸质原件须登记存放位置', en: 'paper original needs a shelf location' },
  'bad-title': { zh: '题名不合要求', en: 'title refused' },
  'bad-date': { zh: '形成日期有误', en: 'date wrong' },
  'retention-mismatch': { zh: '保管期限与分类方案不符', en: 'retention disagrees with the scheme' },
  'bad-legacy-code': { zh: '原档号不合档号格式', en: 'legacy code malformed' },
  'bad-path': { zh: '文件路径不合要求', en: 'file path refused' },
  'file-missing': { zh: '文件不存在或无法读取', en: 'file missing or unreadable' },
  'file-size': { zh: '文件大小不合要求', en: 'file size out of bounds' },
  'file-type': { zh: '文件类型不符', en: 'file type wrong' },
  'duplicate-in-catalogue': { zh: '清单内重复', en: 'duplicate in the catalogue' },
  'customer-differs': { zh: '客户信息与已有记录不符', en: 'customer differs from the one on record' },
  'legacy-code-taken': { zh: '原档号已被占用', en: 'legacy code already taken' },
  'in-intake': { zh: '同一文件已在办理中', en: 'same file already in intake' },
} as const satisfies Record<string, { zh: string; en: string }>;

export type ReasonCode = keyof typeof REASONS;

export interface Problem {
  code: ReasonCode;
  zh: string;
  en: string;
}

/** The catalogue as a whole cannot be read (its header, an empty file): nothing of it is checked. */
export class CatalogueFailure extends Error {
  constructor(
    readonly zh: string,
    readonly en: string,
  ) {
    super(`${zh}\n${en}`);
    this.name = 'CatalogueFailure';
  }
}

export const problem = (code: ReasonCode, zh: string, en: string): Problem => ({ code, zh, en });

/** Quoted as the catalogue gave it. */
export const q = (value: string): string => JSON.stringify(value);
