/**
 * The names the intake bucket's uploads are kept and judged under, shared by the functions, the
 * CDK stack and the local realisation (infra/ imports them from here).
 */

/**
 * Key prefix of uploads in the intake bucket (`intakeKey` in core/submissions.ts). Lifecycle
 * expiry, malware scanning, the upload event and the presigning grant cover it.
 */
export const INTAKE_PREFIX = 'intake/';

/** Tag GuardDuty Malware Protection for S3 (or the local scanner) puts on every scanned object. */
export const MALWARE_SCAN_TAG = 'GuardDutyMalwareScanStatus';
