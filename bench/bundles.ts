/**
 * Every function bundled with the stack's own bundling options (`BUNDLING` in
 * infra/constructs/functions.ts), turned into esbuild options the way CDK's NodejsFunction turns
 * them into esbuild arguments (aws-cdk-lib/aws-lambda-nodejs, `buildEsbuildArgs`), and built in
 * one esbuild run: CDK starts esbuild once per function, which on a busy 2-core machine takes
 * minutes. `cdkCheck` bundles one function through CDK itself and compares the bytes, so a drift
 * between the two paths shows in the results.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build } from 'esbuild';
import { FUNCTIONS, type FunctionName } from '../functions/catalog.ts';
import { BUNDLING } from '../infra/constructs/functions.ts';
import { functionEntryPath, PROJECT_ROOT } from '../infra/shared.ts';

/** Options CDK's local bundling acts on; any other set in BUNDLING is refused rather than ignored. */
const MAPPED = new Set([
  'format',
  'mainFields',
  'banner',
  'footer',
  'target',
  'minify',
  'sourceMap',
  'sourceMapMode',
  'sourcesContent',
  'externalModules',
  'loader',
  'define',
  'keepNames',
  'logLevel',
  'inject',
  'esbuildArgs',
]);

/** esbuild command-line flags BUNDLING may pass through `esbuildArgs`, and their API options. */
function esbuildArgOptions(args: BundlingOptions['esbuildArgs']): BuildOptions {
  const out: BuildOptions = {};
  for (const [flag, value] of Object.entries(args ?? {})) {
    const values = (Array.isArray(value) ? value : [value]).map(String);
    if (flag === '--alias') {
      // CDK writes `--alias:<from>=<to>` for each value.
      out.alias = Object.fromEntries(
        values.map((v) => {
          const at = v.indexOf('=');
          return [v.slice(0, at), v.slice(at + 1)];
        }),
      );
    } else if (flag === '--charset' && (values[0] === 'utf8' || values[0] === 'ascii')) {
      out.charset = values[0];
    } else {
      throw new Error(`bench/bundles.ts does not map the esbuild argument ${flag}`);
    }
  }
  return out;
}

/** The esbuild options equivalent to CDK's command line for `bundling`. */
export function esbuildOptions(bundling: BundlingOptions, entry: string, outdir: string): BuildOptions {
  const unmapped = Object.keys(bundling).filter((k) => !MAPPED.has(k));
  if (unmapped.length > 0)
    throw new Error(`bench/bundles.ts does not map bundling options: ${unmapped.join(', ')}`);
  const esm = bundling.format === 'esm';
  const sourceMapOn = bundling.sourceMapMode !== undefined || bundling.sourceMap === true;
  const mode = bundling.sourceMapMode ?? SourceMapMode.DEFAULT;
  return {
    entryPoints: [entry],
    bundle: true,
    // CDK's default for a Node.js 22 runtime when `target` is unset.
    target: bundling.target ?? 'node22',
    platform: 'node',
    ...(bundling.format ? { format: bundling.format as 'esm' | 'cjs' } : {}),
    outfile: join(outdir, esm ? 'index.mjs' : 'index.js'),
    minify: bundling.minify === true,
    ...(sourceMapOn
      ? { sourcemap: mode === SourceMapMode.DEFAULT ? true : (mode as 'inline' | 'external' | 'both') }
      : {}),
    ...(bundling.sourcesContent === false ? { sourcesContent: false } : {}),
    // CDK marks @aws-sdk/* external unless externalModules says otherwise.
    external: bundling.externalModules ?? ['@aws-sdk/*'],
    ...(bundling.loader ? { loader: bundling.loader as BuildOptions['loader'] } : {}),
    ...(bundling.define ? { define: bundling.define } : {}),
    ...(bundling.keepNames ? { keepNames: true } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
    ...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
    ...(bundling.inject ? { inject: bundling.inject } : {}),
    ...esbuildArgOptions(bundling.esbuildArgs),
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'error',
  };
}

export interface Bundle {
  dir: string;
  bundleBytes: number;
  sourceMapBytes: number;
}

/**
 * Bundles every function of the catalog under `root/<name>/` in one esbuild build with an entry
 * per function: each module is parsed once for all of them, and without code splitting each
 * output is what a build of that entry alone writes.
 */
export async function bundleAll(root = mkdtempSync(join(tmpdir(), 'dangan-bench-bundles-'))) {
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  const single = esbuildOptions(BUNDLING, functionEntryPath(names[0] as FunctionName), root);
  const file = basename(String(single.outfile));
  const ext = extname(file);
  const { outfile: _one, entryPoints: _entry, ...shared } = single;
  await build({
    ...shared,
    entryPoints: Object.fromEntries(names.map((n) => [`${n}/${basename(file, ext)}`, functionEntryPath(n)])),
    outdir: root,
    ...(ext === '.js' ? {} : { outExtension: { '.js': ext } }),
  });
  const out: Record<string, Bundle> = {};
  for (const name of names) {
    const dir = join(root, name);
    out[name] = {
      dir,
      bundleBytes: statSync(join(dir, file)).size,
      sourceMapBytes: statSync(join(dir, `${file}.map`), { throwIfNoEntry: false })?.size ?? 0,
    };
  }
  return out;
}

/** `contents` (TypeScript) bundled with the stack's options into `root`, as a function would be. */
async function bundleSource(contents: string, root: string): Promise<Bundle> {
  const { entryPoints: _entry, ...options } = esbuildOptions(BUNDLING, 'reference.ts', root);
  await build({
    ...options,
    stdin: { contents, resolveDir: PROJECT_ROOT, sourcefile: 'reference.ts', loader: 'ts' },
  });
  const code = String(options.outfile);
  return {
    dir: root,
    bundleBytes: statSync(code).size,
    sourceMapBytes: statSync(`${code}.map`, { throwIfNoEntry: false })?.size ?? 0,
  };
}

export async function bundleReference(root = mkdtempSync(join(tmpdir(), 'dangan-bench-reference-'))) {
  return bundleSource(
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = new DynamoDBClient({});\n",
    root,
  );
}

/**
 * The floors of the import target (bench/results.ts FLOORS): the DynamoDB document client as
 * Dangan's functions make it (functions/adapters/clients.ts), and a module importing nothing but
 * the Node.js built-ins that bundle imports at its top, found in its own code.
 */
export async function bundleFloors(root = mkdtempSync(join(tmpdir(), 'dangan-bench-floors-'))) {
  const documentClient = await bundleSource(
    [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      'export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
    ].join('\n'),
    join(root, 'document-client'),
  );
  const code = readFileSync(join(documentClient.dir, 'index.mjs'), 'utf8');
  // Static imports only: `import("node:http")` inside a function loads when a request needs it.
  const builtins = [...new Set([...code.matchAll(/\bfrom\s*["'](node:[^"']+)["']/g)].map((m) => m[1]))];
  const dir = join(root, 'builtins');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.mjs'), builtins.map((b) => `import ${JSON.stringify(b)};`).join('\n'));
  return {
    documentClient,
    builtins: { dir, bundleBytes: statSync(join(dir, 'index.mjs')).size, sourceMapBytes: 0 },
    builtinNames: builtins as string[],
  };
}

/** Bundles `name` through CDK's NodejsFunction and says whether its code equals `bundle`'s. */
export function cdkCheck(name: FunctionName, bundle: Bundle): { function: string; identical: boolean } {
  const outdir = mkdtempSync(join(tmpdir(), 'dangan-bench-cdk-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'BenchBundling');
  const fn = new NodejsFunction(stack, 'Fn', {
    entry: functionEntryPath(name),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    bundling: BUNDLING,
  });
  const id = stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
  const template = app.synth().getStackByName('BenchBundling').template as {
    Resources: Record<string, { Properties: { Code: { S3Key: string } } }>;
  };
  const key = template.Resources[id]?.Properties.Code.S3Key ?? '';
  const cdkCode = readFileSync(join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs'));
  const mine = readFileSync(join(bundle.dir, 'index.mjs'));
  rmSync(outdir, { recursive: true, force: true });
  return { function: name, identical: cdkCode.equals(mine) };
}
