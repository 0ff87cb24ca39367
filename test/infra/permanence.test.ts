import type { CfnElement } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName, functionAccess } from '../../functions/catalog.ts';
import type { DanganStack } from '../../infra/stack.ts';
import { synthesizedForTest } from './templates.ts';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
}
interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}

let stack: DanganStack;
let resources: Record<string, Resource>;

beforeAll(async () => {
  const made = await synthesizedForTest();
  stack = made.stack;
  resources = made.templates.merged as Record<string, Resource>;
}, 120_000);

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const logicalId = (name: FunctionName) =>
  stack.getLogicalId(stack.functions.roles[name].node.defaultChild as CfnElement);
const mentions = (value: unknown, id: string) => JSON.stringify(value ?? null).includes(`"${id}"`);

/** Whether an IAM action pattern (`s3:*`, `s3:Put*`, `*`, `s3:PutObject?egalHold`) covers `action`. */
function covers(pattern: string, action: string): boolean {
  const [service, name = ''] = pattern.toLowerCase().split(':');
  const [wanted, wantedName] = action.toLowerCase().split(':');
  if (pattern === '*') return true;
  if (service !== wanted) return false;
  const re = new RegExp(
    `^${name
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(wantedName ?? '');
}

const names = (s: Statement, action: string) =>
  list(s.Action).some((a) => covers(a, action)) ||
  (s.NotAction !== undefined && !list(s.NotAction).some((a) => covers(a, action)));
/** An Allow of the action on some resource that no Deny of it on every resource (`*`) takes back. */
const grantedBy = (statements: Statement[], action: string) =>
  statements.some((s) => s.Effect === 'Allow' && names(s, action)) &&
  !statements.some((s) => s.Effect === 'Deny' && names(s, action) && list(s.Resource).includes('*'));

/** Every role of the stack with the statements of every identity policy it has. */
function roleGrants(): Map<string, Statement[]> {
  const out = new Map<string, Statement[]>();
  const docStatements = (doc: unknown) => list((doc as { Statement?: Statement[] } | undefined)?.Statement);
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    const inline = list(r.Properties?.Policies as { PolicyDocument: unknown }[]).flatMap((p) =>
      docStatements(p.PolicyDocument),
    );
    out.set(id, inline);
  }
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    for (const [roleId, statements] of out) {
      if (list(r.Properties?.Roles as unknown[]).some((ref) => mentions(ref, roleId))) {
        statements.push(...docStatements(r.Properties?.PolicyDocument));
      }
    }
  }
  // AWS managed policies are ARNs, not statements: a role with one could hold anything.
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Role' && list(r.Properties?.ManagedPolicyArns as unknown[]).length > 0) {
      out.get(id)?.push({ Effect: 'Allow', Action: '*', Resource: '*' });
    }
  }
  return out;
}

const rolesGranting = (action: string): string[] =>
  [...roleGrants()].filter(([, statements]) => grantedBy(statements, action)).map(([id]) => id);

const functionsWith = (pick: (name: FunctionName) => boolean): string[] =>
  (Object.keys(FUNCTIONS) as FunctionName[]).filter(pick).map(logicalId).sort();

describe('legal holds', () => {
  it('recognises the wildcards that would grant a legal hold', () => {
    for (const p of ['*', 's3:*', 's3:Put*', 's3:PutObject*', 's3:*LegalHold', 's3:PutObjectLegalHol?']) {
      expect(covers(p, 's3:PutObjectLegalHold'), p).toBe(true);
    }
    for (const p of ['s3:PutObject', 's3:Get*', 's3:DeleteObject*', 'dynamodb:*', 's3:PutObjectRetention']) {
      expect(covers(p, 's3:PutObjectLegalHold'), p).toBe(false);
    }
  });

  it('are placed and lifted by the holds functions alone, by no other role of the stack', () => {
    const holders = functionsWith((n) => n === 'holds-create' || n === 'holds-release');
    expect(holders).toHaveLength(2);
    expect(rolesGranting('s3:PutObjectLegalHold').sort()).toEqual(holders);
    expect(functionsWith((n) => (functionAccess(n).disposal ?? []).includes('hold'))).toEqual(holders);
  });

  it('are never how the archive step locks an original, nor how destruction lists are kept', () => {
    for (const name of ['intake-archive', 'disposal-finish', 'retention-sweep'] as const) {
      const statements = roleGrants().get(logicalId(name)) ?? [];
      expect(statements.length, name).toBeGreaterThan(0);
      expect(grantedBy(statements, 's3:PutObjectLegalHold'), name).toBe(false);
    }
  });
});

describe('COMPLIANCE retention', () => {
  it('is set or extended only by the functions that lock or extend permanent and timed records', () => {
    expect(rolesGranting('s3:PutObjectRetention').sort()).toEqual(
      functionsWith((n) =>
        [
          'intake-archive',
          'import-step',
          'audit-archive',
          'disposal-appraised',
          'disposal-finish',
          'retention-sweep',
        ].includes(n),
      ),
    );
    // The sweep extends the locks of originals and of destruction lists, nothing else.
    const sweep = (roleGrants().get(logicalId('retention-sweep')) ?? []).filter(
      (s) => s.Effect === 'Allow' && names(s, 's3:PutObjectRetention'),
    );
    const onWhat = JSON.stringify(sweep.map((s) => s.Resource));
    expect(onWhat).toContain('/originals/*');
    expect(onWhat).toContain('/destruction-lists/*');
    expect(sweep.flatMap((s) => list(s.Action)).sort()).toEqual([
      's3:PutObjectRetention',
      's3:PutObjectRetention',
    ]);
  });

  it('cannot be bypassed by any role of the stack: nothing grants s3:BypassGovernanceRetention', () => {
    expect(rolesGranting('s3:BypassGovernanceRetention')).toEqual([]);
  });
});
