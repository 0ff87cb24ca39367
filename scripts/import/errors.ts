import { CommandFailure, type Heading } from '../shared/errors.ts';

/** How an import's failures are headed (scripts/shared/errors.ts). */
export const IMPORT_FAILED: Heading = { zh: '导入失败', en: 'import failed' };

/** The import could not be done: a catalogue that cannot be read, the API refusing, ... (exit 1). */
export class ImportFailure extends CommandFailure {
  constructor(zh: string, en: string) {
    super(IMPORT_FAILED, zh, en);
  }
}

export const USAGE = `用法 usage: npm run import -- <catalogue.csv|catalogue.xlsx> <scans-dir> [--dry-run] [--concurrency N]

  <catalogue>          目录清单：每行一件文件，CSV（UTF-8 或 GB18030）或 .xlsx 的第一个工作表
                       / the catalogue: one row per document, CSV (UTF-8 or GB18030) or the first sheet of an .xlsx
  <scans-dir>          扫描件所在目录；清单的“文件”列是相对此目录的路径
                       / the folder of the scans; the catalogue's file column is a path relative to it
  --dry-run            只检查，不写入任何内容 / check only, write nothing
  --concurrency N      同时检查、上传的文件数（1 到 32，默认 4） / files checked and uploaded at once (1 to 32, default 4)

不加 --dry-run 时，检查通过的行作为一个批次导入，经抽检审核后归档；中断后用相同参数重新运行即可继续
/ without --dry-run the good rows are imported as one batch, archived once a reviewer has inspected its sample;
  a stopped import finishes when run again with the same arguments
报告写在清单旁：<清单名>.report.csv / the report is written beside the catalogue: <catalogue name>.report.csv
退出码 exit: 0 全部归档或已在档案中 / every row archived or already; 1 有行失败或被退回 / a row failed or was rejected; 2 用法错误 / usage error
环境 environment: DANGAN_API=<API URL>, and DANGAN_TOKEN=<bearer token> or, against a local system, DANGAN_USER=<username>`;
