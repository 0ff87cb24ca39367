import type { Context } from 'aws-lambda';
import {
  copyDefinitionsToBucket,
  copyDefinitionsToDisk,
  dailyBuiltAt,
  definitionsBucket,
  definitionsDir,
  definitionsOnDisk,
  runCommand,
  updateCommand,
} from '../adapters/clamav.ts';
import { logger } from '../adapters/logger.ts';
import { emitValue } from '../adapters/metrics.ts';
import { DEFINITIONS_AGE_METRIC } from '../core/clamav.ts';
import { now } from '../core/clock.ts';

/**
 * Keeps the ClamAV scanner's signature databases fresh (`-c malwareScanner=clamav`), on a
 * schedule: the bucket's databases are copied to disk, freshclam brings them up to date (only
 * the day's differences are downloaded when the copy is recent), and what changed goes back to
 * the bucket, where each scanner container picks it up within the hour. Reports the age of the
 * daily database as a metric, which the stack alarms on when it is older than
 * DEFINITIONS_MAX_AGE_DAYS or missing.
 */

/** freshclam downloads about 230 MB when it must start from nothing. */
const UPDATE_TIMEOUT_MS = 10 * 60 * 1000;

export interface UpdateOutcome {
  uploaded: string[];
  deleted: string[];
  /** Hours since the daily database was built. */
  ageHours: number;
}

export async function handler(_event: unknown, context?: Context): Promise<UpdateOutcome> {
  if (context) logger.addContext(context);
  const dir = definitionsDir();
  const bucket = definitionsBucket();
  await copyDefinitionsToDisk(bucket, dir, new Map());
  const copied = await definitionsOnDisk(dir);
  const run = await runCommand(updateCommand(), [], UPDATE_TIMEOUT_MS);
  if (run.exitCode !== 0) {
    // Nothing half-updated reaches the bucket; the age metric stays unreported, which alarms.
    throw new Error(
      `freshclam exited with ${run.exitCode}: ${(run.stderr || run.stdout).trim().slice(-1000)}`,
    );
  }
  const builtAt = await dailyBuiltAt(dir);
  if (!builtAt) throw new Error(`freshclam left no readable daily database in ${dir}`);
  const { uploaded, deleted } = await copyDefinitionsToBucket(dir, bucket, copied);
  const ageHours = Math.max(0, (now().getTime() - builtAt.getTime()) / 3_600_000);
  emitValue(DEFINITIONS_AGE_METRIC, ageHours, 'None', 'ClamAV definitions updated', {
    uploaded,
    deleted,
    dailyBuiltAt: builtAt.toISOString(),
  });
  return { uploaded, deleted, ageHours };
}
