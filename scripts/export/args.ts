import type { Selection } from '../../functions/core/bag-contents.ts';
import { UsageError } from '../shared/errors.ts';

export type { Selection };

export interface ExportArgs {
  out: string;
  selection: Selection;
}

const CUSTOMER_NO = /^[A-Z0-9][A-Z0-9-]{3,31}$/;
const CATEGORY = /^[A-Z0-9]{1,16}$/;

/**
 * Reads `--out <dir> [--customer <no>]... [--year YYYY] [--category CODE]` (also `--name=value`).
 * Anything else, or a value of the wrong shape, is a UsageError naming it. Customers, a year or
 * both: without customers the selection is every customer with documents of that archive year.
 */
export function parseArgs(argv: readonly string[]): ExportArgs {
  const customers: string[] = [];
  let out: string | undefined;
  let year: number | undefined;
  let category: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '' || (eq < 0 && v.startsWith('--'))) {
        throw new UsageError(`${name} 缺少取值`, `${name} needs a value`);
      }
      return v;
    };
    switch (name) {
      case '--out':
        if (out !== undefined) throw new UsageError('--out 只能给一次', '--out may be given once');
        out = value();
        break;
      case '--customer': {
        const no = value().trim().toUpperCase();
        if (!CUSTOMER_NO.test(no)) {
          throw new UsageError(
            `--customer ${JSON.stringify(no)} 不是客户编号（4 到 32 位字母、数字或连字符）`,
            `--customer ${JSON.stringify(no)} is not a customer number (4 to 32 letters, digits or hyphens)`,
          );
        }
        if (!customers.includes(no)) customers.push(no);
        break;
      }
      case '--year': {
        const v = value();
        if (year !== undefined) throw new UsageError('--year 只能给一次', '--year may be given once');
        if (!/^\d{4}$/.test(v)) {
          throw new UsageError(
            `--year ${JSON.stringify(v)} 须为四位年份`,
            `--year ${JSON.stringify(v)} must be a four-digit year`,
          );
        }
        year = Number(v);
        break;
      }
      case '--category': {
        const v = value().trim().toUpperCase();
        if (category !== undefined)
          throw new UsageError('--category 只能给一次', '--category may be given once');
        if (!CATEGORY.test(v)) {
          throw new UsageError(
            `--category ${JSON.stringify(v)} 须为 1 到 16 位字母或数字`,
            `--category ${JSON.stringify(v)} must be 1 to 16 letters or digits`,
          );
        }
        category = v;
        break;
      }
      default:
        throw new UsageError(
          `不认识的参数 ${JSON.stringify(arg)}`,
          `unknown argument ${JSON.stringify(arg)}`,
        );
    }
  }
  if (out === undefined) throw new UsageError('须给出 --out <目录>', '--out <dir> is required');
  if (customers.length === 0 && year === undefined) {
    throw new UsageError(
      '须给出 --customer <客户编号>（可多次）或 --year <年度>（整个年度的档案）',
      'give --customer <customerNo> (one or more) or --year YYYY (the whole archive year)',
    );
  }
  return {
    out,
    selection: {
      customers,
      ...(year === undefined ? {} : { year }),
      ...(category === undefined ? {} : { category }),
    },
  };
}
