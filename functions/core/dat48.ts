/**
 * A document's metadata as an electronic records encapsulation package (电子文件封装包) laid out
 * after DA/T 48-2009 《基于XML的电子文件封装规范》: the package description, the signed object with
 * its file entity (档号, 内容描述, 形式特征, 存储位置, 权限管理, 文件数据), its business entities (one per
 * version of the document's history) and the people who acted. The original is not embedded as
 * base64 (编码数据): it lies beside this file in the bag, bytes unchanged, and its SHA-256 is in
 * 附注 and in the bag's manifest. Nothing is signed (电子签名块, 锁定签名): the bag's SHA-256
 * manifests are the fixity record. README "Export and handover" lists what is filled.
 */

import { RETENTION_WORDS } from './retention-words.ts';

export const EEP_NAMESPACE = 'http://www.saac.gov.cn/standards/ERM/encapsulation';

export interface EepDocument {
  documentId: string;
  archiveCode: string;
  title: string;
  docType: string;
  docTypeName?: string;
  businessEvent: string;
  businessEventName?: string;
  contentType: string;
  sensitive: boolean;
  archivedAt?: string;
  retentionCode?: string;
  location?: { room: string; cabinet: string; box: string };
}

export interface EepVersion {
  changedAt: string;
  changedBy: string;
  kind: string;
  status?: { from?: string; to: string | null };
  changed: readonly string[];
}

export interface EepInput {
  createdAt: string;
  /** 封装包创建单位. */
  creator: string;
  document: EepDocument;
  /** The archive code's parts (scheme's code template); absent when the code does not read back. */
  code?: { fonds: string; category: string; year: number; retention: string; classCode: string; seq: number };
  customer: { customerNo: string; name: string };
  original: { fileName: string; bytes: number; sha256: string };
  history: readonly EepVersion[];
}

/** Text fit for XML 1.0: characters it cannot hold become U+FFFD, markup is escaped. */
export function xmlText(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 cannot hold
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udfff]/gu, '\ufffd')
      .replace(
        /[&<>"']/g,
        (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
      )
  );
}

type Node = string | undefined | Node[];
type Content = string | number | undefined | Node[];

function flatten(nodes: readonly Node[]): string[] {
  return nodes.flatMap((n) => (Array.isArray(n) ? flatten(n) : n === undefined ? [] : [n]));
}

/** An element: text content, or children; an element with no content at all is left out. */
function el(name: string, content: Content, attrs: Record<string, string> = {}): Node {
  const attrText = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${xmlText(v)}"`)
    .join('');
  if (content === undefined || content === '') return undefined;
  if (typeof content === 'string' || typeof content === 'number') {
    return `<${name}${attrText}>${xmlText(String(content))}</${name}>`;
  }
  const children = flatten(content);
  if (children.length === 0) return undefined;
  return [`<${name}${attrText}>`, ...children.map((c) => `  ${c.replace(/\n/g, '\n  ')}`), `</${name}>`].join(
    '\n',
  );
}

const day = (iso: string | undefined) => iso?.slice(0, 10);

function fileEntity(input: EepInput): Node {
  const { document: d, code, original } = input;
  const retention = d.retentionCode ?? code?.retention;
  return el('文件实体', [
    el('聚合层次', '文件'),
    el('电子文件号', d.documentId),
    el('档号', [
      el('全宗号', code?.fonds),
      el('类别号', code?.category),
      el('年度', code?.year),
      el('保管期限', retention === undefined ? undefined : (RETENTION_WORDS[retention] ?? retention)),
      el('机构或问题', code?.classCode),
      el('室编件号', code === undefined ? undefined : String(code.seq).padStart(4, '0')),
    ]),
    el('内容描述', [
      el('题名', d.title),
      el('人名', input.customer.name),
      el('分类号', d.businessEvent),
      el('文种', d.docTypeName ?? d.docType),
      el('日期', day(d.archivedAt)),
    ]),
    el('形式特征', [el('文件组合类型', '单件'), el('件数', 1)]),
    el('存储位置', [
      el('当前位置', `BagIt 包内 data 目录 / in the bag, under data/: ${original.fileName}`),
      el(
        '脱机载体存址',
        d.location ? `库房 ${d.location.room} 柜 ${d.location.cabinet} 盒 ${d.location.box}` : undefined,
      ),
    ]),
    el('权限管理', [el('控制标识', d.sensitive ? '敏感' : undefined)]),
    el('信息系统描述', 'Dangan 客户档案系统 / customer-archive system'),
    el(
      '附注',
      `档号 ${d.archiveCode}；客户编号 ${input.customer.customerNo}；业务 ${d.businessEventName ?? d.businessEvent}；原件 SHA-256 ${original.sha256}`,
    ),
    el('文件数据', [
      el('文档', [
        el('文档标识符', d.documentId),
        el('文档序号', 1),
        el(
          '文档数据',
          [
            el(
              '编码',
              [
                el('电子属性', [
                  el('格式信息', d.contentType),
                  el('计算机文件名', original.fileName),
                  el('计算机文件大小', original.bytes),
                ]),
                el('数字化属性', [el('数字化对象形态', '纸质文件扫描件')]),
                el(
                  '编码描述',
                  '编码数据不内嵌：原件以原始比特流存于本 BagIt 包，文件名见“计算机文件名”，SHA-256 见“附注”与 manifest-sha256.txt / not embedded: the original is kept as is in the bag',
                ),
                el('反编码关键字', 'none'),
              ],
              { 编码ID: `${d.documentId}-1` },
            ),
          ],
          { 文档数据ID: d.documentId },
        ),
      ]),
    ]),
  ]);
}

/** 业务行为 of a version: how the document came to be, changed status, or changed metadata. */
function action(v: EepVersion): string {
  if (v.kind === 'INSERT') return '登记';
  if (v.kind === 'REMOVE') return '删除';
  if (v.status) return `状态变更 ${v.status.from ?? ''}→${v.status.to ?? ''}`;
  return '元数据变更';
}

function businessEntities(input: EepInput): Node {
  return el(
    '业务实体块',
    input.history.map((v, i) =>
      el('业务实体', [
        el('业务标识符', `${input.document.documentId}-${i + 1}`),
        el('机构人员标识符', v.changedBy),
        el('文件标识符', input.document.documentId),
        el('业务状态', v.status?.to ?? undefined),
        el('业务行为', action(v)),
        el('行为时间', v.changedAt),
        el('行为描述', v.changed.length > 0 ? `变更字段 changed: ${v.changed.join(', ')}` : undefined),
      ]),
    ),
  );
}

function agents(input: EepInput): Node {
  const people = [...new Set(input.history.map((v) => v.changedBy))];
  return el(
    '机构人员实体块',
    people.map((p) =>
      el('机构人员实体', [
        el('机构人员标识符', p),
        el('机构人员类型', p === 'system' ? '系统' : '个人'),
        el('机构人员名称', p),
      ]),
    ),
  );
}

/** The package for one document, as UTF-8 XML text. */
export function eepXml(input: EepInput): string {
  const root = el(
    '电子文件封装包',
    [
      el(
        '封装包格式描述',
        '本EEP根据中华人民共和国档案行业标准DA/T 48-2009《基于XML的电子文件封装规范》生成',
      ),
      el('版本', '2009'),
      el(
        '被签名对象',
        [
          el('封装包类型', '原始型'),
          el('封装包类型描述', '本封装包包含电子文件数据及其元数据，原始封装，未经修改'),
          el('封装包创建时间', input.createdAt),
          el('封装包创建单位', input.creator),
          el('封装内容', [el('文件实体块', [fileEntity(input)]), businessEntities(input), agents(input)]),
        ],
        { eep版本: '2009' },
      ),
    ],
    { xmlns: EEP_NAMESPACE },
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root as string}\n`;
}
