import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONTROL_TOWER_SERVICES, controlTowerRulesDir } from './constructs/nag.ts';
import { MALWARE_SCANNERS } from './constructs/security.ts';
import { RECORDS_TABLE_CLASSES } from './constructs/storage.ts';
import { DEFAULT_CONSOLE_ORIGINS, DEFAULT_MAIL_FROM, DEFAULT_SCHEME, DEFAULT_STACK_NAME } from './shared.ts';
import { DanganStack } from './stack.ts';

/**
 * Context values (cdk.json or `-c key=value`):
 * - `scheme`: classification scheme id (default power-supply)
 * - `consoleOrigins`: origins trusted besides the stack's own console, a JSON array or
 *   comma-separated (default none: name `http://localhost:5173` to develop against a deployment)
 * - `authDomainPrefix`: hosted sign-in domain prefix (default dangan-<account>)
 * - `mailFrom`: the sender of notifications (default noreply@dangan.example.com, which SES will
 *   not send for: name an address of a domain you own)
 * - `mailIdentity`: the SES identity to verify, a domain or an address (default mailFrom's domain)
 * - `account`, `region`: pin the stack to an environment; without them it is
 *   environment-agnostic, so synthesis needs no credentials and makes no lookups
 * - `stackName`: default Dangan
 * - `malwareScanner`: `guardduty` (default; GuardDuty Malware Protection for S3) or `clamav` (the
 *   stack's own ClamAV in a container-image Lambda; deploying it needs Docker). README,
 *   "Malware scanning", compares them.
 * - `recordsTableClass`: `infrequent-access` (default: DynamoDB Standard-IA for the records table,
 *   storage 60% cheaper, request units 25% dearer) or `standard`; README, "Storage, all in".
 */
export interface PolicyChecks {
  /**
   * Run AWS Control Tower's proactive controls (CloudFormation Guard) in the synth too (about 35 s
   * a synthesis). `npx cdk synth` always does; a test that checks something else may leave them to
   * test/infra/stack.test.ts.
   */
  controlTower?: boolean;
}

export function createDanganApp(
  props: AppProps = {},
  checks: PolicyChecks = {},
): { app: App; stack: DanganStack } {
  const app = new App(props);
  const ctx = (key: string): unknown => app.node.tryGetContext(key);
  const str = (key: string): string | undefined => {
    const v = ctx(key);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };

  const account = str('account');
  const region = str('region');
  const authDomainPrefix = str('authDomainPrefix');
  const mailIdentity = str('mailIdentity');
  const stack = new DanganStack(app, str('stackName') ?? DEFAULT_STACK_NAME, {
    description: 'Dangan customer archive',
    ...(account || region ? { env: { account, region } } : {}),
    schemeId: str('scheme') ?? DEFAULT_SCHEME,
    consoleOrigins: parseOrigins(ctx('consoleOrigins')),
    ...(authDomainPrefix ? { authDomainPrefix } : {}),
    mailFrom: str('mailFrom') ?? DEFAULT_MAIL_FROM,
    ...(mailIdentity ? { mailIdentity } : {}),
    malwareScanner: contextChoice(
      'malwareScanner',
      '恶意软件扫描器',
      MALWARE_SCANNERS,
      ctx('malwareScanner'),
    ),
    recordsTableClass: contextChoice(
      'recordsTableClass',
      '记录表的表类',
      RECORDS_TABLE_CLASSES,
      ctx('recordsTableClass'),
    ),
  });

  // AWS Solutions rules (cdk-nag) and the AWS Control Tower proactive controls (CloudFormation
  // Guard): an unacknowledged finding fails synthesis. CDK hands Guard the parent template only;
  // test/infra/stack.test.ts runs the same rules over the nested stacks' templates.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (checks.controlTower !== false) {
    // Guard's answer for this stack passes Node's 1 MB default buffer.
    const rules = controlTowerRulesDir();
    Validations.of(app).addPlugins(
      new CfnGuardValidator({
        controlTowerRulesEnabled: false,
        rules: CONTROL_TOWER_SERVICES.map((service) => join(rules, service)),
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
  }
  return { app, stack };
}

/**
 * A context value that names one of a few choices (the first the default when it is not given);
 * anything else ends synthesis, naming the choices in English and Chinese (`zhName`).
 */
export function contextChoice<T extends string>(
  key: string,
  zhName: string,
  choices: readonly [T, ...T[]],
  value: unknown,
): T {
  if (value === undefined || value === '') return choices[0];
  const known = choices.find((c) => c === value);
  if (!known) {
    throw new Error(
      `${key} must be one of ${choices.join(', ')} (got ${JSON.stringify(value)}); ${zhName}只能是 ${choices.join('、')}`,
    );
  }
  return known;
}

/** The `consoleOrigins` context value: a list, a JSON array string or a comma-separated string. */
export function parseOrigins(value: unknown): readonly string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string') && value.length > 0) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    const list: unknown = text.startsWith('[') ? JSON.parse(text) : text.split(',');
    if (Array.isArray(list)) return list.map((v) => String(v).trim()).filter((v) => v !== '');
  }
  return DEFAULT_CONSOLE_ORIGINS;
}
