import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { drain } from './aws-http.ts';
import { readResult, S3Command, type S3Request, type S3Response } from './s3-http.ts';
import { child, children, childText, renderXml, type XmlElement, type XmlNode } from './xml.ts';

/**
 * The S3 operations Dangan sends, as the SDK names them and with the SDK's input and output
 * member names (the subset Dangan uses), each a REST request of the S3 API reference sent by
 * s3-http.ts. A member not listed here is not sent: widening an operation means adding it here.
 */

export interface Tag {
  Key: string;
  Value: string;
}

interface ObjectAddress {
  Bucket: string;
  Key: string;
}

interface VersionAddress extends ObjectAddress {
  VersionId?: string;
}

const versionQuery = (input: { VersionId?: string | undefined }): Record<string, string> =>
  input.VersionId === undefined ? {} : { versionId: input.VersionId };

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const optional = <K extends string>(name: K, value: string | undefined) =>
  (value === undefined ? {} : { [name]: value }) as { [P in K]?: string };

const metadataHeaders = (metadata: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [`x-amz-meta-${k.toLowerCase()}`, v]));

function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined)
      out[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

const dateHeader = (headers: IncomingHttpHeaders, name: string): { value?: Date } => {
  const text = header(headers, name);
  return text === undefined ? {} : { value: new Date(text) };
};

/** An XML request body with the integrity headers S3 requires of these operations. */
function xmlBody(name: string, content: XmlNode[]): Pick<S3Request, 'body' | 'headers'> {
  const body = Buffer.from(renderXml(name, content), 'utf8');
  return {
    body,
    headers: {
      'content-type': 'application/xml',
      'content-md5': createHash('md5').update(body).digest('base64'),
      'x-amz-checksum-sha256': createHash('sha256').update(body).digest('base64'),
    },
  };
}

const text = (el: XmlElement, name: string) => childText(el, name);
const flag = (el: XmlElement, name: string) => text(el, name) === 'true';

async function empty(response: S3Response): Promise<Record<string, never>> {
  await drain(response);
  return {};
}

export class GetObjectCommand extends S3Command<
  VersionAddress & { Range?: string },
  { Body: IncomingMessage; ContentLength?: number; ContentType?: string; VersionId?: string; ETag?: string }
> {
  request(): S3Request {
    const { Bucket, Key, Range } = this.input;
    return {
      method: 'GET',
      bucket: Bucket,
      key: Key,
      query: versionQuery(this.input),
      ...(Range ? { headers: { range: Range } } : {}),
    };
  }
  async output({ headers, body }: S3Response) {
    const length = header(headers, 'content-length');
    return {
      Body: body,
      ...(length === undefined ? {} : { ContentLength: Number(length) }),
      ...optional('ContentType', header(headers, 'content-type')),
      ...optional('VersionId', header(headers, 'x-amz-version-id')),
      ...optional('ETag', header(headers, 'etag')),
    };
  }
}

export interface HeadObjectOutput {
  ContentLength: number;
  ContentType?: string;
  ETag?: string;
  VersionId?: string;
  ChecksumSHA256?: string;
  Metadata: Record<string, string>;
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
  ObjectLockLegalHoldStatus?: string;
}

export class HeadObjectCommand extends S3Command<
  VersionAddress & { ChecksumMode?: 'ENABLED' },
  HeadObjectOutput
> {
  request(): S3Request {
    return {
      method: 'HEAD',
      bucket: this.input.Bucket,
      key: this.input.Key,
      query: versionQuery(this.input),
      ...(this.input.ChecksumMode ? { headers: { 'x-amz-checksum-mode': this.input.ChecksumMode } } : {}),
    };
  }
  async output(response: S3Response): Promise<HeadObjectOutput> {
    await drain(response);
    const { headers } = response;
    const retainUntil = dateHeader(headers, 'x-amz-object-lock-retain-until-date').value;
    return {
      ContentLength: Number(header(headers, 'content-length') ?? 0),
      Metadata: metadataOf(headers),
      ...optional('ContentType', header(headers, 'content-type')),
      ...optional('ETag', header(headers, 'etag')),
      ...optional('VersionId', header(headers, 'x-amz-version-id')),
      ...optional('ChecksumSHA256', header(headers, 'x-amz-checksum-sha256')),
      ...optional('ObjectLockMode', header(headers, 'x-amz-object-lock-mode')),
      ...optional('ObjectLockLegalHoldStatus', header(headers, 'x-amz-object-lock-legal-hold')),
      ...(retainUntil ? { ObjectLockRetainUntilDate: retainUntil } : {}),
    };
  }
}

export interface PutObjectInput extends ObjectAddress {
  /** Text or bytes; a stream needs its ContentLength and ChecksumSHA256 (it is signed and checked). */
  Body: string | Uint8Array | Readable;
  ContentLength?: number;
  ContentType?: string;
  Metadata?: Record<string, string>;
  /** Base64 SHA-256 of the body, checked by S3; computed when absent (not for a stream). */
  ChecksumSHA256?: string;
  ObjectLockMode?: 'COMPLIANCE' | 'GOVERNANCE';
  ObjectLockRetainUntilDate?: Date;
  /** `*`: written only if the key holds no object yet (412 PreconditionFailed otherwise). */
  IfNoneMatch?: '*';
}

export class PutObjectCommand extends S3Command<PutObjectInput, { VersionId?: string; ETag?: string }> {
  request(): S3Request {
    const input = this.input;
    const { Body } = input;
    let body: S3Request['body'];
    let checksum = input.ChecksumSHA256;
    if (typeof Body === 'string' || Body instanceof Uint8Array) {
      const bytes = typeof Body === 'string' ? Buffer.from(Body, 'utf8') : Body;
      checksum ??= createHash('sha256').update(bytes).digest('base64');
      body = bytes;
    } else {
      if (input.ContentLength === undefined || checksum === undefined)
        throw new Error(`PutObject ${input.Key}: a streamed body needs ContentLength and ChecksumSHA256`);
      body = {
        stream: Body,
        length: input.ContentLength,
        sha256Hex: Buffer.from(checksum, 'base64').toString('hex'),
      };
    }
    return {
      method: 'PUT',
      bucket: input.Bucket,
      key: input.Key,
      body,
      headers: {
        ...(input.ContentType ? { 'content-type': input.ContentType } : {}),
        ...metadataHeaders(input.Metadata),
        'x-amz-checksum-sha256': checksum,
        ...(input.ObjectLockMode ? { 'x-amz-object-lock-mode': input.ObjectLockMode } : {}),
        ...(input.IfNoneMatch ? { 'if-none-match': input.IfNoneMatch } : {}),
        ...(input.ObjectLockRetainUntilDate
          ? { 'x-amz-object-lock-retain-until-date': input.ObjectLockRetainUntilDate.toISOString() }
          : {}),
      },
    };
  }
  async output(response: S3Response) {
    await drain(response);
    return {
      ...optional('VersionId', header(response.headers, 'x-amz-version-id')),
      ...optional('ETag', header(response.headers, 'etag')),
    };
  }
}

export class CopyObjectCommand extends S3Command<
  ObjectAddress & {
    /** `bucket/key` with the key URL-encoded, and `?versionId=` to copy one version. */
    CopySource: string;
    MetadataDirective?: 'COPY' | 'REPLACE';
    Metadata?: Record<string, string>;
    ContentType?: string;
    TaggingDirective?: 'COPY' | 'REPLACE';
    ChecksumAlgorithm?: 'SHA256';
  },
  { VersionId?: string; CopyObjectResult: { ETag?: string; ChecksumSHA256?: string } }
> {
  request(): S3Request {
    const input = this.input;
    return {
      method: 'PUT',
      bucket: input.Bucket,
      key: input.Key,
      headers: {
        'x-amz-copy-source': input.CopySource,
        ...(input.MetadataDirective ? { 'x-amz-metadata-directive': input.MetadataDirective } : {}),
        ...metadataHeaders(input.Metadata),
        ...(input.ContentType ? { 'content-type': input.ContentType } : {}),
        ...(input.TaggingDirective ? { 'x-amz-tagging-directive': input.TaggingDirective } : {}),
        ...(input.ChecksumAlgorithm ? { 'x-amz-checksum-algorithm': input.ChecksumAlgorithm } : {}),
      },
    };
  }
  async output(response: S3Response) {
    const result = await readResult(response);
    return {
      ...optional('VersionId', header(response.headers, 'x-amz-version-id')),
      CopyObjectResult: {
        ...optional('ETag', text(result, 'ETag')),
        ...optional('ChecksumSHA256', text(result, 'ChecksumSHA256')),
      },
    };
  }
}

export class DeleteObjectCommand extends S3Command<
  VersionAddress,
  { VersionId?: string; DeleteMarker?: boolean }
> {
  request(): S3Request {
    return {
      method: 'DELETE',
      bucket: this.input.Bucket,
      key: this.input.Key,
      query: versionQuery(this.input),
    };
  }
  async output(response: S3Response) {
    await drain(response);
    const marker = header(response.headers, 'x-amz-delete-marker');
    return {
      ...optional('VersionId', header(response.headers, 'x-amz-version-id')),
      ...(marker === undefined ? {} : { DeleteMarker: marker === 'true' }),
    };
  }
}

export class GetObjectTaggingCommand extends S3Command<
  VersionAddress,
  { TagSet: Tag[]; VersionId?: string }
> {
  request(): S3Request {
    return {
      method: 'GET',
      bucket: this.input.Bucket,
      key: this.input.Key,
      query: { tagging: '', ...versionQuery(this.input) },
    };
  }
  async output(response: S3Response) {
    const result = await readResult(response);
    const set = child(result, 'TagSet');
    return {
      TagSet: (set ? children(set, 'Tag') : []).map((t) => ({
        Key: text(t, 'Key') ?? '',
        Value: text(t, 'Value') ?? '',
      })),
      ...optional('VersionId', header(response.headers, 'x-amz-version-id')),
    };
  }
}

export class PutObjectTaggingCommand extends S3Command<
  VersionAddress & { Tagging: { TagSet: Tag[] } },
  Record<string, never>
> {
  request(): S3Request {
    const tags: XmlNode[] = this.input.Tagging.TagSet.map((t) => [
      'Tag',
      [
        ['Key', t.Key],
        ['Value', t.Value],
      ],
    ]);
    return {
      method: 'PUT',
      bucket: this.input.Bucket,
      key: this.input.Key,
      query: { tagging: '', ...versionQuery(this.input) },
      ...xmlBody('Tagging', [['TagSet', tags]]),
    };
  }
  output(response: S3Response) {
    return empty(response);
  }
}

export class PutObjectRetentionCommand extends S3Command<
  VersionAddress & {
    Retention: { Mode: 'COMPLIANCE' | 'GOVERNANCE'; RetainUntilDate: Date };
    ChecksumAlgorithm?: 'SHA256';
  },
  Record<string, never>
> {
  request(): S3Request {
    const { Mode, RetainUntilDate } = this.input.Retention;
    return {
      method: 'PUT',
      bucket: this.input.Bucket,
      key: this.input.Key,
      query: { retention: '', ...versionQuery(this.input) },
      ...xmlBody('Retention', [
        ['Mode', Mode],
        ['RetainUntilDate', RetainUntilDate.toISOString()],
      ]),
    };
  }
  output(response: S3Response) {
    return empty(response);
  }
}

export class PutObjectLegalHoldCommand extends S3Command<
  VersionAddress & { LegalHold: { Status: 'ON' | 'OFF' }; ChecksumAlgorithm?: 'SHA256' },
  Record<string, never>
> {
  request(): S3Request {
    return {
      method: 'PUT',
      bucket: this.input.Bucket,
      key: this.input.Key,
      query: { 'legal-hold': '', ...versionQuery(this.input) },
      ...xmlBody('LegalHold', [['Status', this.input.LegalHold.Status]]),
    };
  }
  output(response: S3Response) {
    return empty(response);
  }
}

export interface ListedVersion {
  Key: string;
  VersionId: string;
  IsLatest: boolean;
}

export class ListObjectVersionsCommand extends S3Command<
  { Bucket: string; Prefix?: string; KeyMarker?: string; VersionIdMarker?: string; MaxKeys?: number },
  {
    Versions: ListedVersion[];
    DeleteMarkers: ListedVersion[];
    IsTruncated: boolean;
    NextKeyMarker?: string;
    NextVersionIdMarker?: string;
  }
> {
  request(): S3Request {
    const { Bucket, Prefix, KeyMarker, VersionIdMarker, MaxKeys } = this.input;
    return {
      method: 'GET',
      bucket: Bucket,
      query: {
        versions: '',
        ...optional('prefix', Prefix),
        ...optional('key-marker', KeyMarker),
        ...optional('version-id-marker', VersionIdMarker),
        ...optional('max-keys', MaxKeys === undefined ? undefined : String(MaxKeys)),
      },
    };
  }
  async output(response: S3Response) {
    const result = await readResult(response);
    const listed = (name: string) =>
      children(result, name).map((v) => ({
        Key: text(v, 'Key') ?? '',
        VersionId: text(v, 'VersionId') ?? 'null',
        IsLatest: flag(v, 'IsLatest'),
      }));
    return {
      Versions: listed('Version'),
      DeleteMarkers: listed('DeleteMarker'),
      IsTruncated: flag(result, 'IsTruncated'),
      ...optional('NextKeyMarker', text(result, 'NextKeyMarker')),
      ...optional('NextVersionIdMarker', text(result, 'NextVersionIdMarker')),
    };
  }
}

export class ListObjectsV2Command extends S3Command<
  { Bucket: string; Prefix?: string; MaxKeys?: number; StartAfter?: string; ContinuationToken?: string },
  {
    Contents: { Key: string; ETag?: string; Size: number }[];
    IsTruncated: boolean;
    NextContinuationToken?: string;
  }
> {
  request(): S3Request {
    const { Bucket, Prefix, MaxKeys, StartAfter, ContinuationToken } = this.input;
    return {
      method: 'GET',
      bucket: Bucket,
      query: {
        'list-type': '2',
        ...optional('prefix', Prefix),
        ...optional('max-keys', MaxKeys === undefined ? undefined : String(MaxKeys)),
        ...optional('start-after', StartAfter),
        ...optional('continuation-token', ContinuationToken),
      },
    };
  }
  async output(response: S3Response) {
    const result = await readResult(response);
    return {
      Contents: children(result, 'Contents').map((c) => ({
        Key: text(c, 'Key') ?? '',
        ...optional('ETag', text(c, 'ETag')),
        Size: Number(text(c, 'Size') ?? 0),
      })),
      IsTruncated: flag(result, 'IsTruncated'),
      ...optional('NextContinuationToken', text(result, 'NextContinuationToken')),
    };
  }
}

export class CreateMultipartUploadCommand extends S3Command<
  ObjectAddress & { ContentType?: string; ChecksumAlgorithm?: 'SHA256' },
  { UploadId?: string }
> {
  request(): S3Request {
    const { Bucket, Key, ContentType, ChecksumAlgorithm } = this.input;
    return {
      method: 'POST',
      bucket: Bucket,
      key: Key,
      query: { uploads: '' },
      headers: {
        ...(ContentType ? { 'content-type': ContentType } : {}),
        ...(ChecksumAlgorithm ? { 'x-amz-checksum-algorithm': ChecksumAlgorithm } : {}),
      },
    };
  }
  async output(response: S3Response) {
    return optional('UploadId', text(await readResult(response), 'UploadId'));
  }
}

export class UploadPartCommand extends S3Command<
  ObjectAddress & { UploadId: string; PartNumber: number; Body: Uint8Array; ChecksumSHA256?: string },
  { ETag?: string }
> {
  request(): S3Request {
    const { Bucket, Key, UploadId, PartNumber, Body } = this.input;
    return {
      method: 'PUT',
      bucket: Bucket,
      key: Key,
      query: { partNumber: String(PartNumber), uploadId: UploadId },
      body: Body,
      headers: {
        'x-amz-checksum-sha256':
          this.input.ChecksumSHA256 ?? createHash('sha256').update(Body).digest('base64'),
      },
    };
  }
  async output(response: S3Response) {
    await drain(response);
    return optional('ETag', header(response.headers, 'etag'));
  }
}

export class CompleteMultipartUploadCommand extends S3Command<
  ObjectAddress & {
    UploadId: string;
    MultipartUpload: { Parts: { PartNumber: number; ETag: string; ChecksumSHA256?: string }[] };
  },
  { VersionId?: string; ETag?: string }
> {
  request(): S3Request {
    const { Bucket, Key, UploadId, MultipartUpload } = this.input;
    const parts: XmlNode[] = MultipartUpload.Parts.map((p) => [
      'Part',
      [
        ['PartNumber', p.PartNumber],
        ['ETag', p.ETag],
        p.ChecksumSHA256 ? ['ChecksumSHA256', p.ChecksumSHA256] : undefined,
      ],
    ]);
    return {
      method: 'POST',
      bucket: Bucket,
      key: Key,
      query: { uploadId: UploadId },
      ...xmlBody('CompleteMultipartUpload', parts),
    };
  }
  async output(response: S3Response) {
    const result = await readResult(response);
    return {
      ...optional('VersionId', header(response.headers, 'x-amz-version-id')),
      ...optional('ETag', text(result, 'ETag')),
    };
  }
}

export class AbortMultipartUploadCommand extends S3Command<
  ObjectAddress & { UploadId: string },
  Record<string, never>
> {
  request(): S3Request {
    return {
      method: 'DELETE',
      bucket: this.input.Bucket,
      key: this.input.Key,
      query: { uploadId: this.input.UploadId },
    };
  }
  output(response: S3Response) {
    return empty(response);
  }
}
