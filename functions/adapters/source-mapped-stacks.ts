import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Stack traces of a bundled function in TypeScript file and line, with the bundle's source map
 * read only when a trace is first formatted. Node's `--enable-source-maps` reads and parses the
 * map (about 1 MB) at every cold start, though most invocations never format a stack; V8 formats
 * a stack when it is first read, through `Error.prepareStackTrace`, so the map is read then.
 *
 * The stack's bundling injects this module into every bundle (infra/constructs/functions.ts
 * `BUNDLING.inject`); nothing imports it. Run from its TypeScript source (the local system, the
 * tests), Node or tsx already maps stacks and there is no map beside it: it leaves them alone.
 */

const bundle = import.meta.url;
const mapFile = `${fileURLToPath(bundle)}.map`;

/** The bundle's source map, read once; null when it has none or it cannot be read. */
let sourceMap: SourceMap | null | undefined;
function bundleMap(): SourceMap | null {
  if (sourceMap === undefined) {
    try {
      sourceMap = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
    } catch {
      sourceMap = null;
    }
  }
  return sourceMap;
}

/** One frame as Node prints it, at its TypeScript origin when it lies in this bundle. */
function frame(site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string {
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  const map = site.getFileName() === bundle && line !== null && column !== null ? bundleMap() : null;
  const origin = map?.findEntry((line as number) - 1, (column as number) - 1);
  if (!origin || !('originalSource' in origin)) return `    at ${site}`;
  const file = fileURLToPath(new URL(origin.originalSource, pathToFileURL(mapFile)));
  const where = `${file}:${origin.originalLine + 1}:${origin.originalColumn + 1}`;
  const name = originalName(map as SourceMap, site, caller) ?? site.getFunctionName();
  const awaited = site.isAsync() ? 'async ' : '';
  return name ? `    at ${awaited}${name} (${where})` : `    at ${awaited}${where}`;
}

/**
 * The TypeScript name of the function a frame is in (minified names are not): the name the map
 * records where that function begins, or else where its caller called it (as Node does).
 */
function originalName(map: SourceMap, site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined) {
  const at = (line: number | null, column: number | null) =>
    line === null || column === null
      ? undefined
      : (map.findEntry(line - 1, column - 1) as { name?: string }).name;
  return (
    at(site.getEnclosingLineNumber(), site.getEnclosingColumnNumber()) ??
    (caller?.getFileName() === bundle ? at(caller.getLineNumber(), caller.getColumnNumber()) : undefined)
  );
}

function headerOf(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return 'Error';
  }
}

// Only beside a map: a module run from its TypeScript source keeps the stacks Node or tsx map.
if (existsSync(mapFile)) {
  Error.prepareStackTrace = (error, sites) =>
    [headerOf(error), ...sites.map((site, i) => frame(site, sites[i + 1]))].join('\n');
}
