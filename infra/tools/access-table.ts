/**
 * Writes the "who may do what" table of functions/access.ts into README.md, between the
 * `<!-- access-table:start -->` and `<!-- access-table:end -->` markers. Run after changing
 * routes or rules: `npx tsx infra/tools/access-table.ts`. test/unit/access.test.ts fails while
 * the README and the model differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { accessTableMarkdown } from '../../functions/access.ts';

const file = new URL('../../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const marked = /(<!-- access-table:start -->\n)[\s\S]*?(\n<!-- access-table:end -->)/;
if (!marked.test(readme)) throw new Error('README.md has no access-table markers');
writeFileSync(
  file,
  readme.replace(marked, (_m, start: string, end: string) => `${start}${accessTableMarkdown()}${end}`),
);
