import { S3Client } from './s3-http.ts';

/**
 * The S3 client, in a module of its own: only functions that read or write objects import it.
 * Created at module load so a warm Lambda reuses its connections; the endpoint comes from the
 * SDK's standard setting (AWS_ENDPOINT_URL_S3), which is how the local realisation is reached,
 * and requests are path-style (s3-http.ts), which works for every bucket name on AWS and needs no
 * wildcard DNS locally.
 */
export const s3 = new S3Client();
