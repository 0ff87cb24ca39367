/**
 * The date a document was made (形成日期) as catalogues write it: `2019-03-05`, `2019/3/5`,
 * `2019.3.5`, `20190305` or `2019年3月5日` (an .xlsx date cell arrives as `2019-03-05`). It must be
 * a real day, not before 1900 and not after today anywhere (today in UTC+14, as the API's own
 * dated facts are checked).
 */

import { latestToday } from '../../functions/core/dated-facts.ts';

const SHAPES = [
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/,
  /^(\d{4})(\d{2})(\d{2})$/,
  /^(\d{4})年(\d{1,2})月(\d{1,2})日$/,
];

export const EARLIEST_DAY = '1900-01-01';

/** The day as YYYY-MM-DD, or undefined when the text is not one of the shapes or not a real day. */
export function parseDay(text: string): string | undefined {
  const t = text.normalize('NFKC').replace(/\s+/g, '');
  for (const shape of SHAPES) {
    const m = shape.exec(t);
    if (!m) continue;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
      return undefined;
    }
    return date.toISOString().slice(0, 10);
  }
  return undefined;
}

/** The day dates are held to: today in UTC+14, as the API holds its own dated facts. */
export const checkDay = (now: Date): string => latestToday(now);
