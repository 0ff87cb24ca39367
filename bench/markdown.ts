/** Figures and tables as bench/RESULTS.md writes them. */
import { round } from './stats.ts';

export const usd = (v: number, digits = 3): string => (v === 0 ? '$0' : `$${round(v, digits)}`);
export const pct = (v: number): string => `${(v * 100).toFixed(0)}%`;
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)}`;
export const num = (v: number, digits = 3): string => String(round(v, digits));

export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
