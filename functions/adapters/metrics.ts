import { METRICS_NAMESPACE } from '../core/disposal.ts';
import { logger } from './logger.ts';

/**
 * CloudWatch metrics in the embedded metric format: a structured log line that CloudWatch Logs
 * turns into a metric on AWS (the stack alarms on it) and that stays a plain log line locally.
 */

export { FIXITY_MISMATCH_METRIC, METRICS_NAMESPACE } from '../core/disposal.ts';

export function emitCount(
  name: string,
  value: number,
  message: string,
  details: Record<string, unknown> = {},
) {
  logger.error(message, {
    ...details,
    _aws: {
      // The real time, not the clock seam's: CloudWatch refuses metric times far from its own.
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        { Namespace: METRICS_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: name, Unit: 'Count' }] },
      ],
    },
    [name]: value,
  });
}

/** A measured value (not an event count), logged at info level with the metric. */
export function emitValue(
  name: string,
  value: number,
  unit: 'Count' | 'Seconds' | 'None',
  message: string,
  details: Record<string, unknown> = {},
) {
  logger.info(message, {
    ...details,
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        { Namespace: METRICS_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: name, Unit: unit }] },
      ],
    },
    [name]: value,
  });
}
