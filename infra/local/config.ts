/**
 * The settings of `npm start`, from its flags and the environment (the list is in
 * infra/local/main.ts); a flag wins over its variable.
 */
import { join, resolve } from 'node:path';
import { SCHEME_IDS } from '../../functions/core/scheme.ts';
import { DEFAULT_SCHEME, LOCAL_CONSOLE_ORIGINS, PROJECT_ROOT } from '../shared.ts';
import {
  DEFAULT_EVENT_DELAY,
  DEFAULT_SCAN_DELAY,
  type DelayRange,
  DelaySettingError,
  parseDelay,
} from './deliveries.ts';

export interface LocalConfig {
  dataDir: string;
  host: string;
  port: number;
  s3Port: number;
  sfnPort: number;
  dynamodbPort: number;
  /** MailDev's SMTP port and its web inbox's (notifications). */
  smtpPort: number;
  mailPort: number;
  region: string;
  scheme: string;
  /** Origins allowed by CORS (the console during development). */
  consoleOrigins: string[];
  /** How long after an upload its "Object Created" event reaches upload-received. */
  eventDelayMs: DelayRange;
  /** How long after an upload its malware scan result is tagged; `never`: no result ever. */
  scanDelayMs: DelayRange | 'never';
}

const OPTIONS: Record<string, { env: string; key: keyof LocalConfig }> = {
  '--data-dir': { env: 'DANGAN_DATA_DIR', key: 'dataDir' },
  '--host': { env: 'DANGAN_HOST', key: 'host' },
  '--port': { env: 'DANGAN_PORT', key: 'port' },
  '--s3-port': { env: 'DANGAN_S3_PORT', key: 's3Port' },
  '--sfn-port': { env: 'DANGAN_SFN_PORT', key: 'sfnPort' },
  '--dynamodb-port': { env: 'DANGAN_DYNAMODB_PORT', key: 'dynamodbPort' },
  '--smtp-port': { env: 'DANGAN_SMTP_PORT', key: 'smtpPort' },
  '--mail-port': { env: 'DANGAN_MAIL_PORT', key: 'mailPort' },
  '--region': { env: 'DANGAN_REGION', key: 'region' },
  '--scheme': { env: 'DANGAN_SCHEME', key: 'scheme' },
  '--console-origins': { env: 'DANGAN_CONSOLE_ORIGINS', key: 'consoleOrigins' },
  '--event-delay-ms': { env: 'DANGAN_EVENT_DELAY_MS', key: 'eventDelayMs' },
  '--scan-delay-ms': { env: 'DANGAN_SCAN_DELAY_MS', key: 'scanDelayMs' },
};

const USAGE = `usage: npm start -- [${Object.keys(OPTIONS)
  .map((f) => `${f} <value>`)
  .join('] [')}]`;

/** A bad option or setting: its message is printed, and `npm start` exits with status 2. */
export class UsageError extends Error {}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LocalConfig {
  const raw: Partial<Record<keyof LocalConfig, string>> = {};
  const list = (v: string | undefined) =>
    v
      ?.split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  for (const opt of Object.values(OPTIONS)) {
    const v = env[opt.env];
    if (v !== undefined && v !== '') raw[opt.key] = v;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const opt = OPTIONS[flag];
    if (!opt) throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    raw[opt.key] = value;
  }
  const port = (key: keyof LocalConfig, fallback: number): number => {
    const v = raw[key];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new UsageError(`${key} must be a port number, not ${v}`);
    return n;
  };
  const scheme = raw.scheme ?? DEFAULT_SCHEME;
  if (!SCHEME_IDS.includes(scheme)) {
    throw new UsageError(`unknown scheme ${scheme}; known: ${SCHEME_IDS.join(', ')}`);
  }
  // A bad delay names the variable and the flag it may come from (infra/local/deliveries.ts).
  const delay = <T>(flag: string, parse: (name: string, value: string) => T): T | undefined => {
    const opt = OPTIONS[flag];
    const v = opt && raw[opt.key];
    if (!opt || v === undefined) return undefined;
    try {
      return parse(`${opt.env} (${flag})`, v);
    } catch (err) {
      if (err instanceof DelaySettingError) throw new UsageError(err.message);
      throw err;
    }
  };
  return {
    dataDir: resolve(raw.dataDir ?? join(PROJECT_ROOT, '.data')),
    host: raw.host ?? '127.0.0.1',
    port: port('port', 4000),
    s3Port: port('s3Port', 4001),
    sfnPort: port('sfnPort', 4002),
    dynamodbPort: port('dynamodbPort', 4003),
    // Free ports unless given: the banner and the ready line say which.
    smtpPort: port('smtpPort', 0),
    mailPort: port('mailPort', 0),
    region: raw.region ?? 'us-east-1',
    scheme,
    consoleOrigins: list(raw.consoleOrigins) ?? [...LOCAL_CONSOLE_ORIGINS],
    eventDelayMs: delay('--event-delay-ms', (name, v) => parseDelay(name, v)) ?? DEFAULT_EVENT_DELAY,
    scanDelayMs:
      delay('--scan-delay-ms', (name, v) => parseDelay(name, v, { never: true })) ?? DEFAULT_SCAN_DELAY,
  };
}
