/**
 * Handlers bundled exactly as the stack bundles them (esbuild, ESM, everything inlined), then
 * loaded by a plain Node.js process the way the Lambda runtime loads index.mjs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName } from '../../functions/catalog.ts';
import { BUNDLING } from '../../infra/constructs/functions.ts';
import { functionEntryPath, PROJECT_ROOT } from '../../infra/shared.ts';
import { apiEvent, lambdaContext } from '../support/api-event.ts';

const BUNDLED: FunctionName[] = ['health', 'customers-get'];
const bundles = new Map<FunctionName, string>();

beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), 'dangan-bundle-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bundling');
  const ids = new Map<FunctionName, string>();
  for (const name of BUNDLED) {
    const fn = new NodejsFunction(stack, name, {
      entry: functionEntryPath(name),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: BUNDLING,
    });
    ids.set(name, stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction));
  }
  const template = app.synth().getStackByName('Bundling').template as {
    Resources: Record<string, { Properties: { Code: { S3Key: string } } }>;
  };
  for (const [name, id] of ids) {
    const key = template.Resources[id]?.Properties.Code.S3Key ?? '';
    bundles.set(name, join(outdir, `asset.${key.replace(/\.zip$/, '')}`));
  }
}, 120_000);

/** Runs `script` as an ES module in a fresh Node.js process with `index` bound to the bundle's URL. */
const runModule = (dir: string, script: string): string =>
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const index = ${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)};\n${script}`,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '--enable-source-maps', SCHEME_ID: 'power-supply' },
    },
  );

describe('bundles', () => {
  it.each(BUNDLED)('%s is one ES module with a source map and no external packages', (name) => {
    const dir = bundles.get(name) as string;
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    // The banner that lets bundled CommonJS code call require() inside an ES module.
    expect(code.startsWith("import { createRequire as __danganCreateRequire } from 'node:module';")).toBe(
      true,
    );
    // Only Node.js built-ins are imported at run time; npm packages (the AWS SDK too) are inlined.
    const imports = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["']([^"']+)["']/g)].map(
      (m) => m[1] as string,
    );
    expect(imports.length).toBeGreaterThan(0);
    for (const spec of imports) {
      const builtin = spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0] as string);
      expect(builtin, spec).toBe(true);
    }
  });

  it('loads a handler that uses the AWS SDK in the runtime module system', () => {
    const out = runModule(
      bundles.get('customers-get') as string,
      'const m = await import(index); console.log(typeof m.handler);',
    );
    expect(out.trim()).toBe('function');
  });

  it('answers an HTTP API event from the bundled health handler', () => {
    const event = apiEvent({ routeKey: 'GET /health', user: null });
    const context = { ...lambdaContext, getRemainingTimeInMillis: undefined };
    const out = runModule(
      bundles.get('health') as string,
      `const m = await import(index);
       const ctx = { ...${JSON.stringify(context)}, getRemainingTimeInMillis: () => 30000 };
       const res = await m.handler(${JSON.stringify(event)}, ctx);
       console.log(JSON.stringify(res));`,
    );
    const res = JSON.parse(out.trim().split('\n').pop() as string) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
  });

  it('finds a handler module for every catalog entry', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      expect(existsSync(functionEntryPath(name)), name).toBe(true);
    }
  });
});
