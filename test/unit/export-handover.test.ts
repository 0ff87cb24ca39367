import { describe, expect, it } from 'vitest';
import { inSelection, type SchemeInfo } from '../../functions/core/bag-contents.ts';
import { EEP_NAMESPACE, type EepInput, eepXml, xmlText } from '../../functions/core/dat48.ts';
import {
  csvHead,
  csvRow,
  type HandoverRow,
  htmlHead,
  htmlRow,
  htmlTail,
} from '../../functions/core/handover-list.ts';

const INPUT: EepInput = {
  createdAt: '2026-05-01T08:00:00.000Z',
  creator: '全宗 Z001 · Dangan',
  document: {
    documentId: 'd1',
    archiveCode: 'Z001-KH·2026-D30-YK-0007',
    title: '合同 <附件> & "补充" 条款',
    docType: 'CONTRACT',
    docTypeName: '供用电合同',
    businessEvent: 'NEWCONN',
    businessEventName: '业扩报装',
    contentType: 'application/pdf',
    sensitive: false,
    archivedAt: '2026-03-15T09:30:00.000Z',
    retentionCode: 'D30',
  },
  code: { fonds: 'Z001', category: 'KH', year: 2026, retention: 'D30', classCode: 'YK', seq: 7 },
  customer: { customerNo: '3300012345', name: '张三' },
  original: { fileName: 'Z001-KH·2026-D30-YK-0007.pdf', bytes: 1234, sha256: 'b'.repeat(64) },
  history: [
    { changedAt: '2026-03-01T08:00:00.000Z', changedBy: 'clerk1', kind: 'INSERT', changed: ['title'] },
    {
      changedAt: '2026-03-15T09:30:00.000Z',
      changedBy: 'system',
      kind: 'MODIFY',
      status: { from: 'UPLOADED', to: 'ARCHIVED' },
      changed: ['status', 'archiveCode'],
    },
  ],
};

/** The text of the first element `name` in `xml`. */
const textOf = (xml: string, name: string) =>
  new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`).exec(xml)?.[1];

describe('DA/T 48 encapsulation package', () => {
  const xml = eepXml(INPUT);

  it('is an 电子文件封装包 of version 2009 in its namespace, original and unsigned', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(xml).toContain(`<电子文件封装包 xmlns="${EEP_NAMESPACE}">`);
    expect(textOf(xml, '版本')).toBe('2009');
    expect(xml).toContain('<被签名对象 eep版本="2009">');
    expect(textOf(xml, '封装包类型')).toBe('原始型');
    expect(xml).not.toContain('电子签名块');
    expect(xml).not.toContain('<编码数据>');
  });

  it('fills 档号 from the archive code and 内容描述 from the record', () => {
    expect(textOf(xml, '全宗号')).toBe('Z001');
    expect(textOf(xml, '类别号')).toBe('KH');
    expect(textOf(xml, '年度')).toBe('2026');
    expect(textOf(xml, '保管期限')).toBe('定期30年');
    expect(textOf(xml, '机构或问题')).toBe('YK');
    expect(textOf(xml, '室编件号')).toBe('0007');
    expect(textOf(xml, '文种')).toBe('供用电合同');
    expect(textOf(xml, '日期')).toBe('2026-03-15');
    expect(textOf(xml, '计算机文件名')).toBe('Z001-KH·2026-D30-YK-0007.pdf');
    expect(textOf(xml, '计算机文件大小')).toBe('1234');
    expect(textOf(xml, '附注')).toContain(`SHA-256 ${'b'.repeat(64)}`);
  });

  it('escapes markup in titles and leaves out what is unknown', () => {
    expect(textOf(xml, '题名')).toBe('合同 &lt;附件&gt; &amp; &quot;补充&quot; 条款');
    // Not sensitive, not on paper: no 控制标识, no 脱机载体存址 (and no empty 权限管理).
    expect(xml).not.toContain('控制标识');
    expect(xml).not.toContain('脱机载体存址');
    expect(xml).not.toContain('权限管理');
  });

  it('has one 业务实体 per version and one 机构人员实体 per person', () => {
    expect(xml.match(/<业务实体>/g)).toHaveLength(2);
    expect(xml).toContain('<业务行为>状态变更 UPLOADED→ARCHIVED</业务行为>');
    expect(xml.match(/<机构人员实体>/g)).toHaveLength(2);
    expect(xml).toContain('<机构人员类型>系统</机构人员类型>');
  });

  it('keeps only characters XML 1.0 can hold', () => {
    expect(xmlText('a\u0001b\u0009c\ud800d😀')).toBe('a\ufffdb\tc\ufffdd😀');
    expect(xmlText(`<'&">`)).toBe('&lt;&apos;&amp;&quot;&gt;');
  });
});

const ROW: HandoverRow = {
  no: 1,
  customerNo: '3300012345',
  archiveCode: 'Z001-KH·2026-D30-YK-0007',
  title: '=HYPERLINK("http://evil","合同")',
  docType: '供用电合同',
  date: '2026-03-15',
  retentionCode: 'D30',
  bytes: 1234,
  sha256: 'b'.repeat(64),
  file: 'data/3300012345/Z001-KH·2026-D30-YK-0007/Z001-KH·2026-D30-YK-0007.pdf',
};

describe('handover list (移交清单)', () => {
  it('CSV starts with a byte-order mark and a bilingual header', () => {
    expect(csvHead()).toBe(
      '\ufeff序号 No.,客户编号 Customer,档号 Archive code,题名 Title,类型 Type,日期 Date,保管期限 Retention,字节 Bytes,SHA-256,文件 File\r\n',
    );
  });

  it('CSV neutralises formulas and quotes as RFC 4180 does', () => {
    const line = csvRow(ROW);
    expect(line).toContain(`,"'=HYPERLINK(""http://evil"",""合同"")",`);
    expect(line).toContain(',定期30年 (D30),1234,');
    expect(line.endsWith('.pdf\r\n')).toBe(true);
    expect(csvRow({ ...ROW, title: '-1+1', docType: '@SUM(A1)' })).toContain(",'-1+1,'@SUM(A1),");
  });

  it('HTML escapes every value and ends with the signature lines', () => {
    const head = htmlHead({
      bag: 'dangan-export_<b>',
      exportId: 'e1',
      exportedBy: 'archivist1',
      baggingDate: '2026-05-02',
      selection: 'customers 3300012345',
      customers: 1,
      documents: 1,
      bytes: 1234,
    });
    expect(head).toContain('<title>移交清单 Handover list dangan-export_&lt;b&gt;</title>');
    expect(head).not.toContain('<b>');
    const row = htmlRow({ ...ROW, title: '<script>alert("x")</script>' });
    expect(row).toContain('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>');
    expect(row).not.toContain('<script>');
    expect(htmlTail()).toContain('接收人 Received by');
  });
});

describe('selection', () => {
  const scheme = {
    id: 'power-supply',
    fonds: 'Z001',
    category: 'KH',
    codeTemplate: '{fonds}-{category}·{year}-{retention}-{classCode}-{seq:4}',
    businessEvents: [{ code: 'NEWCONN', classCode: 'YK' }],
  } as SchemeInfo;
  const doc = (archiveCode: string, businessEvent = 'NEWCONN') =>
    ({ status: 'ARCHIVED', archiveCode, businessEvent }) as Parameters<typeof inSelection>[2];

  it('narrows by the year and class in the archive code, or the business event', () => {
    const d = doc('Z001-KH·2026-D30-YK-0007');
    expect(inSelection(scheme, { customers: ['K1'] }, d)).toBe(true);
    expect(inSelection(scheme, { customers: ['K1'], year: 2026, category: 'YK' }, d)).toBe(true);
    expect(inSelection(scheme, { customers: ['K1'], category: 'NEWCONN' }, d)).toBe(true);
    expect(inSelection(scheme, { customers: ['K1'], category: 'KH' }, d)).toBe(true);
    expect(inSelection(scheme, { customers: ['K1'], year: 2025 }, d)).toBe(false);
    expect(inSelection(scheme, { customers: ['K1'], category: 'BG' }, d)).toBe(false);
    expect(inSelection(scheme, { customers: ['K1'] }, { ...d, status: 'DISPOSED' })).toBe(false);
  });
});
