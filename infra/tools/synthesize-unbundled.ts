/**
 * `tsx infra/tools/synthesize-unbundled.ts <outdir>`: synthesizes the stack without bundling
 * (infra/templates.ts synthesizeUnbundled) into `<outdir>`. Run by infra/synthesis-cache.ts when
 * its cache misses, in a process of its own.
 */
import { synthesizeUnbundled } from '../templates.ts';

const outdir = process.argv[2];
if (!outdir) {
  console.error('usage: synthesize-unbundled.ts <outdir>');
  process.exit(2);
}
synthesizeUnbundled(outdir);
