/**
 * The console's content security policy in the whole stack: the exact sources (the API, the
 * stack's own intake and archive buckets, its hosted sign-in) reach index.html, and the template
 * stays free of dependency cycles. The buckets' and the API's CORS rules name the distribution,
 * so the CloudFront policy cannot name them: CloudFormation refuses a template with a cycle, which
 * a synthesis alone never shows. Asset bundling is skipped (index.html is then the source's).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DanganStack } from '../../infra/stack.ts';
import { synthesizedForTest } from './templates.ts';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties?: Json;
  DependsOn?: string | string[];
}

let stack: DanganStack;
let resources: Record<string, Resource>;
let outdir: string;

const logicalId = (c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as Parameters<DanganStack['getLogicalId']>[0]);

/** Every resource a value refers to: `Ref`, `Fn::GetAtt` and `${…}` of `Fn::Sub`. */
function referenced(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) referenced(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') into.add(v);
      else if (k === 'Fn::GetAtt')
        into.add(Array.isArray(v) ? String(v[0]) : (String(v).split('.')[0] ?? ''));
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? String(v[0]) : String(v);
        for (const m of text.matchAll(/\$\{([^}.!]+)/g)) into.add(m[1] as string);
        if (Array.isArray(v)) referenced(v[1], into);
      } else referenced(v, into);
    }
  }
  return into;
}

/** A dependency cycle among the resources, as the list of its logical ids, or undefined. */
function findCycle(all: Record<string, Resource>): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const [id, r] of Object.entries(all)) {
    const deps = referenced(r.Properties ?? {}, new Set());
    for (const d of [r.DependsOn ?? []].flat()) deps.add(d);
    edges.set(
      id,
      [...deps].filter((d) => d in all),
    );
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

beforeAll(async () => {
  const made = await synthesizedForTest();
  ({ stack, outdir } = made);
  // The parent's resources and its nested stacks', references across them resolved.
  resources = made.templates.merged as Record<string, Resource>;
}, 120_000);

describe("the console's policy in the stack", () => {
  it('leaves the template without a dependency cycle', () => {
    expect(findCycle(resources)).toBeUndefined();
  });

  it('finds a cycle where there is one (the check above can fail)', () => {
    expect(
      findCycle({
        A: { Type: 'T', Properties: { X: { Ref: 'B' } } },
        B: { Type: 'T', Properties: { Y: { 'Fn::GetAtt': ['C', 'Arn'] } } },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own syntax
        C: { Type: 'T', Properties: { Z: { 'Fn::Sub': 'x-${A}' } } },
      }),
    ).toEqual(['A', 'B', 'C', 'A']);
  });

  it("has CloudFront send no wildcard host and nothing of the stack's own resources", () => {
    const policies = Object.values(resources).filter(
      (r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy',
    );
    expect(policies).toHaveLength(1);
    const config = policies[0]?.Properties?.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: Json };
    const csp = JSON.stringify(config.SecurityHeadersConfig.ContentSecurityPolicy);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('*');
    expect(csp).not.toContain(logicalId(stack.storage.intake));
    expect(csp).not.toContain(logicalId(stack.storage.archive));
  });

  it("writes index.html naming the stack's API, intake and archive buckets and sign-in", () => {
    const entry = Object.values(resources)
      .filter((r) => r.Type === 'Custom::CDKBucketDeployment')
      .map((r) => r.Properties as Json)
      .find((p) => p.Exclude === undefined) as Json;
    expect(entry).toBeDefined();
    const markers = JSON.stringify((entry.SourceMarkers as Json[])[0]);
    expect(markers).toContain(logicalId(stack.storage.intake));
    expect(markers).toContain(logicalId(stack.storage.archive));
    expect(markers).toContain(logicalId(stack.auth.domain));
    expect(markers).toContain(Stack.of(stack.api).getLogicalId(stack.api.httpApi.node.defaultChild as never));
    const html = readdirSync(outdir)
      .filter((d) => d.startsWith('asset.'))
      .flatMap((d) => {
        try {
          return [readFileSync(join(outdir, d, 'index.html'), 'utf8')];
        } catch {
          return [];
        }
      })
      .find((text) => text.includes('Content-Security-Policy'));
    expect(html).toBeDefined();
    const policy = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html as string)?.[1] ?? '';
    expect(policy).toMatch(/connect-src 'self' https:\/\/<<marker:[^ ]+ https:\/\/s3\.<<marker:[^ ]+/);
    expect(policy).not.toContain('*');
  });
});
