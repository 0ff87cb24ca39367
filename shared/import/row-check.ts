import { parseArchiveCode } from '../../functions/core/archive-code.ts';
import { CUSTOMER_NO_PATTERN } from '../../functions/core/customer-numbers.ts';
import { EXTENSIONS, extensionOf, fileNameProblem, titleProblem } from '../../functions/core/file-names.ts';
import { type CatalogueRow, FIELDS, type FieldKey } from './columns.ts';
import { EARLIEST_DAY, parseDay } from './dates.ts';
import { type Problem, problem, q } from './problems.ts';
import { type ImportScheme, retentionOf, termList, termOf } from './scheme-terms.ts';

/**
 * One catalogue row against the scheme, without reading a file or asking the API: required fields,
 * the customer's number, name, type and region as POST /customers takes them, the business event
 * and the document type (known, and filed under that event), the title and file name as
 * submissions take them, the date, the retention period and a legacy archive code. Every problem
 * of the row is reported, not only the first.
 */

/** A row whose fields all passed: what the import would file. */
export interface CheckedRow {
  row: number;
  customerNo: string;
  customerName: string;
  customerType: string;
  region?: string;
  businessEvent: string;
  docType: string;
  title: string;
  /** The path under the scans folder, with `/` between folders. */
  file: string;
  /** The type the file's extension names. */
  contentType: string;
  date: string;
  retention: string;
  legacyCode?: string;
}

/** What could be read of a row (the fields that passed), and its problems. */
export interface RowCheck {
  row: number;
  fields: Partial<CheckedRow>;
  problems: Problem[];
}

/** POST /customers's rule for a region (functions/core/customers.ts). */
const REGION = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;
const NAME_MAX = 100;

/** A path relative to the scans folder, with `/` or `\` between folders; never leaving it. */
export function scanPathProblem(path: string): { file?: string; problem?: Problem } {
  const parts = path.replace(/\\/g, '/').split('/');
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) {
    return {
      problem: problem(
        'bad-path',
        `文件 ${q(path)} 须为相对扫描件目录的路径`,
        `file ${q(path)} must be a path relative to the scans folder`,
      ),
    };
  }
  if (parts.some((p) => p === '..')) {
    return {
      problem: problem(
        'bad-path',
        `文件 ${q(path)} 不得离开扫描件目录（..）`,
        `file ${q(path)} may not leave the scans folder (..)`,
      ),
    };
  }
  const file = parts.filter((p) => p !== '' && p !== '.').join('/');
  const name = file.split('/').at(-1) ?? '';
  const bad = fileNameProblem(name, 'the file name');
  if (bad) return { problem: problem('bad-path', `文件名 ${q(name)} 不合要求：${bad}`, bad) };
  return { file };
}

export function checkRow(scheme: ImportScheme, { row, values }: CatalogueRow, today: string): RowCheck {
  const problems: Problem[] = [];
  const fields: Partial<CheckedRow> = { row };
  const add = (p: Problem) => problems.push(p);

  const missing = FIELDS.filter((f) => f.required && values[f.key] === undefined);
  if (missing.length > 0) {
    add(
      problem(
        'missing-field',
        `缺少 ${missing.map((f) => f.zh).join('、')}`,
        `${missing.map((f) => f.key).join(', ')} ${missing.length === 1 ? 'is' : 'are'} empty`,
      ),
    );
  }
  const get = (key: FieldKey) => values[key];

  const customerNo = get('customerNo')?.toUpperCase();
  if (customerNo !== undefined) {
    if (CUSTOMER_NO_PATTERN.test(customerNo)) fields.customerNo = customerNo;
    else
      add(
        problem(
          'bad-customer',
          `客户编号 ${q(customerNo)} 须为 4 到 32 位字母、数字或连字符`,
          `customer number ${q(customerNo)} must be 4 to 32 letters, digits or hyphens`,
        ),
      );
  }
  const name = get('customerName');
  if (name !== undefined) {
    if (name.length <= NAME_MAX && !/\p{Cc}/u.test(name)) fields.customerName = name;
    else
      add(
        problem(
          'bad-customer',
          `客户名称须不超过 ${NAME_MAX} 个字符且不含控制字符`,
          `the customer name must be at most ${NAME_MAX} characters, without control characters`,
        ),
      );
  }
  const typeText = get('customerType');
  if (typeText !== undefined) {
    const type = termOf(scheme.customerTypes, typeText);
    if (type) fields.customerType = type.code;
    else
      add(
        problem(
          'unknown-code',
          `客户类型 ${q(typeText)} 不在分类方案中；可用：${termList(scheme.customerTypes)}`,
          `customer type ${q(typeText)} is not in the scheme; known: ${termList(scheme.customerTypes)}`,
        ),
      );
  }
  const region = get('region')?.toUpperCase();
  if (region !== undefined) {
    if (REGION.test(region)) fields.region = region;
    else
      add(
        problem(
          'bad-customer',
          `区域 ${q(region)} 须为 1 到 32 位字母、数字、连字符或下划线`,
          `region ${q(region)} must be 1 to 32 letters, digits, hyphens or underscores`,
        ),
      );
  }

  checkFiling(scheme, values, fields, add);

  const title = get('title');
  if (title !== undefined) {
    const bad = titleProblem(title, 'the title');
    if (bad) add(problem('bad-title', `题名不合要求：${bad}`, bad));
    else fields.title = title;
  }
  const dateText = get('date');
  if (dateText !== undefined) {
    const day = parseDay(dateText);
    if (day === undefined)
      add(
        problem(
          'bad-date',
          `形成日期 ${q(dateText)} 不是真实的日期（如 2019-03-05）`,
          `date ${q(dateText)} is not a real day (e.g. 2019-03-05)`,
        ),
      );
    else if (day > today)
      add(problem('bad-date', `形成日期 ${day} 在今天之后`, `date ${day} is in the future`));
    else if (day < EARLIEST_DAY)
      add(
        problem('bad-date', `形成日期 ${day} 早于 ${EARLIEST_DAY}`, `date ${day} is before ${EARLIEST_DAY}`),
      );
    else fields.date = day;
  }
  const path = get('file');
  if (path !== undefined) checkFileName(scheme, path, fields, add);
  const legacy = get('legacyCode');
  if (legacy !== undefined) checkLegacyCode(scheme, legacy, fields, today, add);
  return { row, fields, problems };
}

/** The business event, the document type filed under it, and the retention period if given. */
function checkFiling(
  scheme: ImportScheme,
  values: CatalogueRow['values'],
  fields: Partial<CheckedRow>,
  add: (p: Problem) => void,
): void {
  const eventText = values.businessEvent;
  const event = eventText === undefined ? undefined : termOf(scheme.businessEvents, eventText);
  if (eventText !== undefined && !event) {
    add(
      problem(
        'unknown-code',
        `业务事项 ${q(eventText)} 不在分类方案中；可用：${termList(scheme.businessEvents)}`,
        `business event ${q(eventText)} is not in the scheme; known: ${termList(scheme.businessEvents)}`,
      ),
    );
  }
  const typeText = values.docType;
  const type = typeText === undefined ? undefined : termOf(scheme.documentTypes, typeText);
  if (typeText !== undefined && !type) {
    add(
      problem(
        'unknown-code',
        `文件类型 ${q(typeText)} 不在分类方案中`,
        `document type ${q(typeText)} is not in the scheme`,
      ),
    );
  }
  if (event) fields.businessEvent = event.code;
  if (!type) return;
  if (event && ![...event.required, ...event.optional].includes(type.code)) {
    add(
      problem(
        'type-not-in-event',
        `${event.name.zh}（${event.code}）不收 ${type.name.zh}（${type.code}）；可收：${[...event.required, ...event.optional].join(', ')}`,
        `${type.code} is not filed under ${event.code}; it takes ${[...event.required, ...event.optional].join(', ')}`,
      ),
    );
  } else if (type.paper) {
    add(
      problem(
        'paper-original',
        `${type.name.zh}（${type.code}）是纸质原件，须在控制台登记存放位置`,
        `${type.code} is a paper original: register it with its shelf location in the console`,
      ),
    );
  } else if (event) {
    fields.docType = type.code;
  }
  const retentionText = values.retention;
  if (retentionText === undefined) {
    fields.retention = type.retention;
    return;
  }
  const retention = retentionOf(retentionText);
  if (retention === undefined) {
    add(
      problem(
        'retention-mismatch',
        `保管期限 ${q(retentionText)} 不是 Y/永久、D30/定期30年 或 D10/定期10年`,
        `retention ${q(retentionText)} is not Y, D30 or D10`,
      ),
    );
  } else if (retention !== type.retention) {
    add(
      problem(
        'retention-mismatch',
        `保管期限 ${retention} 与分类方案不符：${type.code} 为 ${type.retention}`,
        `retention ${retention} disagrees with the scheme: ${type.code} is kept ${type.retention}`,
      ),
    );
  } else {
    fields.retention = retention;
  }
}

function checkFileName(
  scheme: ImportScheme,
  path: string,
  fields: Partial<CheckedRow>,
  add: (p: Problem) => void,
): void {
  const checked = scanPathProblem(path);
  if (checked.problem) return void add(checked.problem);
  const file = checked.file as string;
  const ext = extensionOf(file) ?? '';
  const type = Object.entries(EXTENSIONS).find(([, exts]) => exts.includes(ext))?.[0];
  const allowed = scheme.contentTypes.flatMap((t) => EXTENSIONS[t] ?? []).join(' ');
  if (type === undefined || !scheme.contentTypes.includes(type)) {
    return void add(
      problem(
        'file-type',
        `文件 ${q(file)} 的扩展名须为 ${allowed} 之一`,
        `file ${q(file)} must end in one of ${allowed}`,
      ),
    );
  }
  fields.file = file;
  fields.contentType = type;
}

/** A legacy code: well-formed for the template, and its parts those of this scheme, type and event. */
function checkLegacyCode(
  scheme: ImportScheme,
  code: string,
  fields: Partial<CheckedRow>,
  today: string,
  add: (p: Problem) => void,
): void {
  const parts = parseArchiveCode(scheme.codeTemplate, code);
  if (!parts || parts.seq < 1) {
    return void add(
      problem(
        'bad-legacy-code',
        `原档号 ${q(code)} 不合档号格式 ${scheme.codeTemplate}`,
        `legacy code ${q(code)} does not fit the archive-code template ${scheme.codeTemplate}`,
      ),
    );
  }
  const event = scheme.businessEvents.find((e) => e.code === fields.businessEvent);
  const type = scheme.documentTypes.find((t) => t.code === fields.docType);
  const wrong: [string, string, string][] = [];
  if (parts.fonds !== scheme.fonds) wrong.push(['全宗号', 'fonds', scheme.fonds]);
  if (parts.category !== scheme.category) wrong.push(['门类代码', 'category', scheme.category]);
  if (type && parts.retention !== type.retention) wrong.push(['保管期限', 'retention', type.retention]);
  if (event && parts.classCode !== event.classCode)
    wrong.push(['机构(问题)代码', 'class code', event.classCode]);
  const year = Number(today.slice(0, 4));
  const madeIn = fields.date === undefined ? undefined : Number(fields.date.slice(0, 4));
  if (parts.year > year || (madeIn !== undefined && parts.year < madeIn)) {
    wrong.push(['年度', 'year', madeIn === undefined ? `≤ ${year}` : `${madeIn}–${year}`]);
  }
  if (wrong.length > 0) {
    return void add(
      problem(
        'bad-legacy-code',
        `原档号 ${q(code)} 的${wrong.map(([zh, , want]) => `${zh}应为 ${want}`).join('，')}`,
        `legacy code ${q(code)}: ${wrong.map(([, en, want]) => `${en} should be ${want}`).join(', ')}`,
      ),
    );
  }
  fields.legacyCode = code;
}

/** The row as the import would file it, when every field passed. */
export function checkedRow(check: RowCheck): CheckedRow | undefined {
  return check.problems.length === 0 ? (check.fields as CheckedRow) : undefined;
}
