import { CLEAN_SCAN, INFECTED_SCAN } from './intake-checks.ts';

/**
 * What the deployer's own malware scanner (ClamAV, `-c malwareScanner=clamav`) concludes, in the
 * vocabulary GuardDuty Malware Protection writes to the same tag: the intake, the preview and the
 * archive step read `GuardDutyMalwareScanStatus` and cannot tell which scanner wrote it.
 */

/** GuardDuty's value for a scan that did not complete; the intake treats it as not clean. */
export const FAILED_SCAN = 'FAILED';
/**
 * GuardDuty's value for a file it cannot look into (too large, password-protected); the intake
 * treats it as not clean. ClamAV says so with a heuristic "signature" (clamd.conf AlertExceedsMax,
 * AlertEncrypted), which is not a threat found.
 */
export const UNSUPPORTED_SCAN = 'UNSUPPORTED';

export type ScanVerdict =
  | typeof CLEAN_SCAN
  | typeof INFECTED_SCAN
  | typeof FAILED_SCAN
  | typeof UNSUPPORTED_SCAN;

/** ClamAV's names for "could not look inside", reported as if found. */
const CANNOT_INSPECT = /^Heuristics\.(Limits\.Exceeded|Encrypted)\b/;

/**
 * How often a queued upload is tried before it is tagged FAILED (the queue's receive count;
 * the stack's redrive policy moves a message to the dead-letter queue one receive later, when
 * even tagging FAILED did not work).
 */
export const SCAN_ATTEMPTS = 3;

/** What `clamscan` or `clamdscan` printed and how it ended. */
export interface ScannerRun {
  /** 0: nothing found; 1: something found; 2: an error; null: killed (timeout, memory). */
  exitCode: number | null;
  stdout: string;
}

export interface FileVerdict {
  verdict: ScanVerdict;
  /** The signature found, or ClamAV's error, or why there is no answer for the file. */
  detail?: string;
}

/**
 * The verdict on each scanned path from ClamAV's per-file lines (`<path>: OK`,
 * `<path>: <signature> FOUND`, `<path>: <message> ERROR`). A file is clean only when its own
 * line says OK: a file ClamAV printed nothing for (it was killed, or never reached the file) has
 * no verdict, which is FAILED, whatever the exit code. The paths are the scanner's own temporary
 * names, so a colon in a line is ClamAV's separator, never part of an uploaded file's name.
 */
export function verdictsOf(paths: readonly string[], run: ScannerRun): Map<string, FileVerdict> {
  const lines = new Map<string, string>();
  for (const line of run.stdout.split('\n')) {
    const at = line.indexOf(': ');
    if (at > 0) lines.set(line.slice(0, at), line.slice(at + 2).trim());
  }
  const verdicts = new Map<string, FileVerdict>();
  for (const path of paths) {
    const answer = lines.get(path);
    if (answer === 'OK') verdicts.set(path, { verdict: CLEAN_SCAN });
    else if (answer?.endsWith(' FOUND')) {
      const signature = answer.slice(0, -' FOUND'.length);
      const verdict = CANNOT_INSPECT.test(signature) ? UNSUPPORTED_SCAN : INFECTED_SCAN;
      verdicts.set(path, { verdict, detail: signature });
    } else if (answer?.endsWith(' ERROR')) {
      verdicts.set(path, { verdict: FAILED_SCAN, detail: answer.slice(0, -' ERROR'.length) });
    } else {
      const ended = run.exitCode === null ? 'was killed' : `exited with ${run.exitCode}`;
      verdicts.set(path, { verdict: FAILED_SCAN, detail: `no answer for the file; the scanner ${ended}` });
    }
  }
  return verdicts;
}

/**
 * The build time of a ClamAV signature database from its 512-byte header
 * (`ClamAV-VDB:<build time>:<version>:<signatures>:<level>:<md5>:<signature>:<builder>:<seconds>`,
 * the same in `.cvd` and `.cld` files); undefined when the bytes are not such a header.
 */
export function definitionsBuiltAt(header: Uint8Array): Date | undefined {
  const text = Buffer.from(header.buffer, header.byteOffset, Math.min(header.byteLength, 512)).toString(
    'latin1',
  );
  if (!text.startsWith('ClamAV-VDB:')) return undefined;
  const fields = text.replace(/\0.*$/s, '').trimEnd().split(':');
  // The build time, written as text with a colon in its clock, is fields 1–2; the last field
  // (seconds since the epoch) says the same without that ambiguity.
  const seconds = Number(fields.at(-1));
  if (Number.isInteger(seconds) && seconds > 0) return new Date(seconds * 1000);
  const written = Date.parse(`${fields[1]}:${fields[2]}`);
  return Number.isNaN(written) ? undefined : new Date(written);
}

/** The database files ClamAV reads (`main`, `daily`, `bytecode`, as `.cvd` or patched `.cld`). */
export const isDefinitionsFile = (name: string): boolean => /^[a-z0-9-]+\.(cvd|cld)$/.test(name);

/** The file whose build time says how fresh the definitions are: the daily database. */
export const isDailyDefinitions = (name: string): boolean => /^daily\.(cvd|cld)$/.test(name);

/** The metric the updater reports after each run: hours since the daily database was built. */
export const DEFINITIONS_AGE_METRIC = 'ClamavDefinitionsAgeHours';

/** Definitions older than this alarm (ClamAV publishes the daily database several times a day). */
export const DEFINITIONS_MAX_AGE_DAYS = 2;
