/** S3 error responses: code, HTTP status and message as the service returns them. */

export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra elements rendered inside <Error> (e.g. StringToSign, Key). */
    readonly extra: Record<string, string> = {},
    /** Extra response headers (e.g. x-amz-delete-marker). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const errors = {
  accessDenied: (message = 'Access Denied') => new S3Error('AccessDenied', 403, message),
  invalidAccessKeyId: (keyId: string) =>
    new S3Error(
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
      { AWSAccessKeyId: keyId },
    ),
  signatureDoesNotMatch: (extra: Record<string, string>) =>
    new S3Error(
      'SignatureDoesNotMatch',
      403,
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      extra,
    ),
  requestExpired: () => new S3Error('AccessDenied', 403, 'Request has expired'),
  timeTooSkewed: (requestTime: string, serverTime: string) =>
    new S3Error(
      'RequestTimeTooSkewed',
      403,
      'The difference between the request time and the current time is too large.',
      { RequestTime: requestTime, ServerTime: serverTime, MaxAllowedSkewMilliseconds: '900000' },
    ),
  authQueryParams: (message: string) => new S3Error('AuthorizationQueryParametersError', 400, message),
  authHeaderMalformed: (message: string) => new S3Error('AuthorizationHeaderMalformed', 400, message),
  contentSha256Mismatch: (client: string, computed: string) =>
    new S3Error(
      'XAmzContentSHA256Mismatch',
      400,
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      { ClientComputedContentSHA256: client, S3ComputedContentSHA256: computed },
    ),
  badDigest: (message = 'The Content-MD5 you specified did not match what we received.') =>
    new S3Error('BadDigest', 400, message),
  invalidDigest: (message = 'The Content-MD5 you specified is not valid.') =>
    new S3Error('InvalidDigest', 400, message),
  invalidRequest: (message: string) => new S3Error('InvalidRequest', 400, message),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error(
      'InvalidArgument',
      400,
      message,
      name !== undefined ? { ArgumentName: name, ArgumentValue: value ?? '' } : {},
    ),
  malformedXml: () =>
    new S3Error(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema',
    ),
  noSuchBucket: (bucket: string) =>
    new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchKey: (key: string, headers: Record<string, string> = {}) =>
    new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key }, headers),
  noSuchVersion: (key: string, versionId: string) =>
    new S3Error('NoSuchVersion', 404, 'The specified version does not exist.', {
      Key: key,
      VersionId: versionId,
    }),
  noSuchUpload: (uploadId: string) =>
    new S3Error(
      'NoSuchUpload',
      404,
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    ),
  noSuchLockConfig: () =>
    new S3Error(
      'NoSuchObjectLockConfiguration',
      404,
      'The specified object does not have a ObjectLock configuration',
    ),
  methodNotAllowed: (method: string, resourceType: string, headers: Record<string, string> = {}) =>
    new S3Error(
      'MethodNotAllowed',
      405,
      'The specified method is not allowed against this resource.',
      { Method: method, ResourceType: resourceType },
      headers,
    ),
  invalidRange: (size: number, range: string) =>
    new S3Error(
      'InvalidRange',
      416,
      'The requested range is not satisfiable',
      { RangeRequested: range, ActualObjectSize: String(size) },
      { 'content-range': `bytes */${size}` },
    ),
  preconditionFailed: (condition: string) =>
    new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', {
      Condition: condition,
    }),
  notImplemented: (what: string) =>
    new S3Error(
      'NotImplemented',
      501,
      `A header or query you provided implies functionality that is not implemented: ${what}`,
    ),
};
