import { CommandFailure, type Heading } from '../shared/errors.ts';

/** How an export's failures are headed (scripts/shared/errors.ts). */
export const EXPORT_FAILED: Heading = { zh: '导出失败', en: 'export failed' };

/** The export could not be completed or verified (exit 1); a stopped one resumes when run again. */
export class ExportFailure extends CommandFailure {
  constructor(zh: string, en: string) {
    super(EXPORT_FAILED, zh, en);
  }
}

/** Stopped on request (Ctrl-C, or the caller's signal) between two files; run again to resume. */
export class Interrupted extends ExportFailure {
  constructor(bagDir: string) {
    super(
      `已中断；再次运行同一命令即从 ${bagDir} 处续传`,
      `interrupted; run the same command again to resume ${bagDir}`,
    );
  }
}

export const USAGE = `用法 usage: npm run export -- --out <dir> --customer <customerNo> [--customer <customerNo>]... [--year YYYY] [--category CODE]

  --out <dir>          包写在此目录下的新目录中（不存在则创建） / the bag goes in a new directory under <dir> (created when missing)
  --customer <no>      客户编号，可重复；至少一个 / a customer number, repeatable; at least one
  --year YYYY          只导出该归档年度（档号中的年度） / only documents of that archive year (the year in the archive code)
  --category CODE      只导出该分类：业务类别代码（如 YK）或业务事项（如 NEWCONN）；门类代码（如 KH）为全部
                       / only that class: a class code (e.g. YK) or a business event (e.g. NEWCONN); the category (e.g. KH) is all

环境 environment: DANGAN_API=<API URL>, and DANGAN_TOKEN=<bearer token> or, against a local system, DANGAN_USER=<username>`;
