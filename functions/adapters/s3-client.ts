import { S3Client } from '@aws-sdk/client-s3';

/**
 * The S3 client, in a module of its own: only functions that read, write or presign objects
 * import it, so no other bundle carries the S3 client (about 150 KB) or builds it at start.
 * Created at module load so a warm Lambda reuses its connections; the endpoint comes from the
 * SDK's standard settings (AWS_ENDPOINT_URL_S3), which is how the local realisation is reached.
 */
export const s3 = new S3Client({
  // Path-style works for every bucket name on AWS and needs no wildcard DNS locally.
  forcePathStyle: true,
  // Checksums are sent when an operation requires them; uploads are bound to SHA-256 by the
  // presigned URL instead.
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
