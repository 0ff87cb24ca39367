import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type App, NestedStack, type Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { CONTROL_TOWER_SERVICES, controlTowerRulesDir } from '../../infra/constructs/nag.ts';

/**
 * AWS Control Tower's proactive controls as the synth runs them (`@cdklabs/cdk-validator-cfnguard`
 * in infra/dangan-app.ts), read with the acknowledged findings too, so a test can hold each
 * acknowledgment to a finding. The parent template's come from the synth's validation report
 * (suppressed ones included). The synth's validation does not see nested templates (CDK hands
 * plugins the stacks' templates only), and the plugin cannot parse Guard's answer for the API
 * template (it throws on the public route's result), so the nested templates are run through the
 * plugin's own cfn-guard binary and rules here.
 */

/** The prefix of a Guard rule's acknowledgment id (infra/constructs/nag.ts `guardRule`). */
export const GUARD = 'cdk-validator-cfnguard::';

export interface GuardFinding {
  rule: string;
  logicalId: string;
  template: string;
}

const pluginDir = join(createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard'), '..', '..');
const BINARY = join(pluginDir, 'bin', 'ubuntu', process.arch === 'arm64' ? 'aarch64' : 'x86_64', 'cfn-guard');
/** The rule folders the synth runs (infra/constructs/nag.ts). */
const RULES = CONTROL_TOWER_SERVICES.map((service) => join(controlTowerRulesDir(), service));

/** Every failed Guard rule in the stack's templates, by rule name and resource. */
export function guardFindings(outdir: string, stack: Stack): GuardFinding[] {
  const nested = stack.node.findAll().filter(NestedStack.isNestedStack);
  return [
    ...reportedFindings(outdir),
    ...nested.flatMap((n) => findingsIn(join(outdir, n.templateFile), n.templateFile)),
  ];
}

interface ReportedViolation {
  ruleName: string;
  violatingConstructs: { cloudFormationResource?: { templatePath: string; logicalId: string } }[];
}

/** The Guard findings of the synth's validation report, acknowledged ones included. */
function reportedFindings(outdir: string): GuardFinding[] {
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: {
      pluginName: string;
      violations: ReportedViolation[];
      suppressedViolations?: ReportedViolation[];
    }[];
  };
  const guard = report.pluginReports.find((r) => r.pluginName === 'cdk-validator-cfnguard');
  if (!guard) throw new Error('the synth ran no CloudFormation Guard validation');
  return [...guard.violations, ...(guard.suppressedViolations ?? [])].flatMap((v) =>
    v.violatingConstructs.flatMap((c) => {
      const r = c.cloudFormationResource;
      return r ? [{ rule: v.ruleName, logicalId: r.logicalId, template: r.templatePath }] : [];
    }),
  );
}

function findingsIn(path: string, template: string): GuardFinding[] {
  let output: string;
  try {
    output = execFileSync(
      BINARY,
      [
        'validate',
        '--data',
        path,
        ...RULES.flatMap((r) => ['--rules', r]),
        '--show-summary',
        'none',
        '--output-format',
        'json',
      ],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      },
    );
  } catch (err) {
    // Exit status 19 means non-compliant: the report is on stdout all the same.
    output = String((err as { stdout?: string }).stdout ?? '');
    if (output === '') throw err;
  }
  const out: GuardFinding[] = [];
  for (const doc of jsonDocuments(output)) {
    const report = JSON.parse(doc) as { not_compliant?: { Rule?: { name: string; checks: unknown[] } }[] };
    for (const entry of report.not_compliant ?? []) {
      const rule = entry.Rule;
      if (!rule) continue;
      for (const id of new Set(resourcesIn(rule.checks)))
        out.push({ rule: rule.name, logicalId: id, template });
    }
  }
  return out;
}

/** cfn-guard writes one JSON document per rule file, back to back: the documents, one by one. */
function jsonDocuments(text: string): string[] {
  const docs: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) docs.push(text.slice(start, i + 1));
  }
  return docs;
}

/** The logical ids a failed rule's checks name (`/Resources/<id>/...`). */
function resourcesIn(node: unknown): string[] {
  return [...JSON.stringify(node).matchAll(/\/Resources\/([A-Za-z0-9]+)/g)].map((m) => m[1] as string);
}

/** Every acknowledgment on the construct tree: path, rule id, reason. */
export function acknowledgmentsOf(app: App): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  const walk = (c: IConstruct) => {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
        out.push({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
    for (const child of c.node.children) walk(child);
  };
  walk(app);
  return out;
}
