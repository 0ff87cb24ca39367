/**
 * What a client of Dangan does, over HTTP only: get a token, call the API, upload scans to the
 * presigned URLs exactly as returned, poll until something has happened.
 */
import { createHash, randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { LocalSystem } from './system.ts';
import { until } from './system.ts';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Upload {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

export interface SubmissionDoc {
  documentId: string;
  docType: string;
  status: string;
  archiveCode?: string;
  title?: string;
  upload?: Upload;
}

export interface Submission {
  submissionId: string;
  status: string;
  attempt?: number;
  rejection?: { reason?: string; comment?: string; problems?: unknown[]; decidedBy?: string };
  documents: SubmissionDoc[];
}

export interface Task {
  taskId: string;
  kind: string;
  subjectId: string;
  summary: Record<string, unknown>;
  createdAt: string;
  dueAt: string;
}

export class Api {
  private readonly tokens = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  async token(username: string): Promise<string> {
    const cached = this.tokens.get(username);
    if (cached) return cached;
    const res = await fetch(`${this.baseUrl}/local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username }),
    });
    if (res.status !== 200) throw new Error(`token for ${username}: ${res.status} ${await res.text()}`);
    const { token } = (await res.json()) as { token: string };
    this.tokens.set(username, token);
    return token;
  }

  /** Calls the API as `user` (a username, or a raw `Bearer` value via `authorization`). */
  async call<T = Record<string, unknown>>(
    user: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const h: Record<string, string> = { ...headers };
    if (user !== null) h.authorization = `Bearer ${await this.token(user)}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: h,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = {};
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { raw: text };
      }
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Like `call`, but fails with the reply when the status is not the expected one. */
  async expect<T = Record<string, unknown>>(
    status: number,
    user: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const r = await this.call<T>(user, method, path, body, headers);
    if (r.status !== status) {
      throw new Error(
        `${method} ${path} as ${user}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`,
      );
    }
    return r.body;
  }
}

// ---------------------------------------------------------------------------------------------
// Scans

/** A file of the given type: the right magic bytes, then something unique. */
export function scanFile(contentType: string, label: string): Buffer {
  const unique = `${label} ${randomBytes(8).toString('hex')}\n`;
  switch (contentType) {
    case 'application/pdf':
      return Buffer.from(`%PDF-1.4\n% Dangan test scan: ${unique}%%EOF\n`, 'latin1');
    case 'image/jpeg':
      return Buffer.concat([
        Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
        Buffer.from(unique),
        Buffer.from([0xff, 0xd9]),
      ]);
    case 'image/png':
      return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.from(unique),
      ]);
    default:
      return Buffer.from(unique);
  }
}

export const sha256Hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export interface PlannedDoc {
  docType: string;
  title: string;
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

export function planDoc(docType: string, contentType: string, title: string, fileName?: string): PlannedDoc {
  const ext = contentType === 'application/pdf' ? 'pdf' : contentType === 'image/jpeg' ? 'jpg' : 'png';
  return {
    docType,
    title,
    fileName: fileName ?? `${docType.toLowerCase()}.${ext}`,
    contentType,
    bytes: scanFile(contentType, `${docType} ${title}`),
  };
}

export const declare = (d: PlannedDoc) => ({
  docType: d.docType,
  title: d.title,
  fileName: d.fileName,
  contentType: d.contentType,
  size: d.bytes.length,
  sha256: sha256Hex(d.bytes),
});

/** PUTs a file to a presigned upload with exactly the headers the API returned. */
export async function put(upload: Upload, body: Buffer, headers: Record<string, string> = upload.headers) {
  const res = await fetch(upload.url, { method: upload.method, headers, body: new Uint8Array(body) });
  return { status: res.status, text: await res.text() };
}

// ---------------------------------------------------------------------------------------------
// Flows

/** The seeded users of a local system, username → user id (`sub`), from its `/local/users`. */
export async function localUsers(apiUrl: string): Promise<Map<string, string>> {
  const res = await fetch(`${apiUrl}/local/users`);
  if (res.status !== 200) throw new Error(`GET /local/users: ${res.status}`);
  const { items } = (await res.json()) as { items: { username: string; sub: string }[] };
  return new Map(items.map((u) => [u.username, u.sub]));
}

let customerCounter = 0;

export async function createCustomer(api: Api, clerk = 'clerk1'): Promise<string> {
  customerCounter++;
  const customerNo = `E2E${Date.now().toString(36).toUpperCase()}${customerCounter}${randomBytes(2).toString('hex').toUpperCase()}`;
  const body = await api.expect<{ customerId: string }>(201, clerk, 'POST', '/customers', {
    customerNo,
    name: `测试客户 ${customerCounter}`,
    type: 'RES',
    phone: '13812345678',
    address: '北京市西城区 1 号',
  });
  return body.customerId;
}

export interface Draft {
  submissionId: string;
  docs: (PlannedDoc & { documentId: string; upload: Upload })[];
}

export async function createDraft(
  api: Api,
  customerId: string,
  businessEvent: string,
  planned: PlannedDoc[],
  clerk = 'clerk1',
): Promise<Draft> {
  const created = await api.expect<Submission>(201, clerk, 'POST', '/submissions', {
    customerId,
    businessEvent,
    documents: planned.map(declare),
  });
  if (created.status !== 'DRAFT') throw new Error(`new submission is ${created.status}`);
  return {
    submissionId: created.submissionId,
    docs: planned.map((p, i) => {
      const d = created.documents[i];
      if (!d?.upload) throw new Error(`document ${i} has no upload`);
      return { ...p, documentId: d.documentId, upload: d.upload };
    }),
  };
}

/** The CHANGE event's three required documents. */
export function changeDocs(label: string): PlannedDoc[] {
  return [
    planDoc('APPFORM', 'application/pdf', `用电变更申请表 ${label}`),
    planDoc('IDCOPY', 'image/jpeg', `身份证复印件 ${label}`),
    planDoc('INFOCHG', 'application/pdf', `客户信息变更单 ${label}`, `信息 变更 ${label}.pdf`),
  ];
}

export async function getSubmission(api: Api, id: string, user = 'clerk1'): Promise<Submission> {
  return api.expect<Submission>(200, user, 'GET', `/submissions/${id}`);
}

/** Waits until the submission satisfies `done` (polling; fails after the timeout). */
export function waitSubmission(
  api: Api,
  id: string,
  what: string,
  done: (s: Submission) => boolean,
  timeoutMs = 60_000,
  user = 'clerk1',
): Promise<Submission> {
  return until(
    `submission ${id} ${what}`,
    async () => {
      const s = await getSubmission(api, id, user);
      return done(s) ? s : undefined;
    },
    timeoutMs,
    200,
  );
}

/** Uploads every scan, submits, and has reviewer1 approve: the submission once it is ARCHIVED. */
export async function archiveDraft(api: Api, draft: Draft): Promise<Submission> {
  await uploadAll(api, draft);
  await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
  const task = await openTaskFor(api, draft.submissionId);
  await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
  return waitSubmission(api, draft.submissionId, 'ARCHIVED', (s) => s.status === 'ARCHIVED');
}

/** Uploads every file of a draft and waits until the system has seen them all. */
export async function uploadAll(api: Api, draft: Draft, clerk = 'clerk1'): Promise<void> {
  for (const d of draft.docs) {
    const r = await put(d.upload, d.bytes);
    if (r.status !== 200) throw new Error(`upload of ${d.docType}: ${r.status} ${r.text}`);
  }
  await waitSubmission(
    api,
    draft.submissionId,
    'with every document UPLOADED',
    (s) => s.documents.every((d) => d.status === 'UPLOADED'),
    60_000,
    clerk,
  );
}

export async function openTaskFor(
  api: Api,
  submissionId: string,
  reviewer = 'reviewer1',
  timeoutMs = 60_000,
) {
  return until(
    `an open review task for ${submissionId}`,
    async () => {
      const { items } = await api.expect<{ items: Task[] }>(200, reviewer, 'GET', '/tasks');
      return items.find((t) => t.subjectId === submissionId);
    },
    timeoutMs,
    200,
  );
}

export function s3ClientFor(system: LocalSystem): S3Client {
  return new S3Client({
    endpoint: system.ready.s3Url,
    region: system.ready.region,
    forcePathStyle: true,
    credentials: system.credentials,
  });
}

/** Bucket, key and version of a path-style presigned URL. */
export function objectOfUrl(url: string): { bucket: string; key: string; versionId?: string } {
  const u = new URL(url);
  const [, bucket = '', ...rest] = u.pathname.split('/');
  const versionId = u.searchParams.get('versionId') ?? undefined;
  return {
    bucket,
    key: rest.map((s) => decodeURIComponent(s)).join('/'),
    ...(versionId ? { versionId } : {}),
  };
}

/**
 * A submission left waiting with nothing to move it: submitted and in review, then its workflow
 * execution stopped (as a failure or an operator would), then the stuck check run. Its id.
 */
export async function stuckSubmission(api: Api, system: LocalSystem, label: string): Promise<string> {
  const customerId = await createCustomer(api);
  const draft = await createDraft(api, customerId, 'CHANGE', changeDocs(label));
  await uploadAll(api, draft);
  const submitted = await api.expect<{ executionArn: string }>(
    202,
    'clerk1',
    'POST',
    `/submissions/${draft.submissionId}/submit`,
  );
  await openTaskFor(api, draft.submissionId);
  const sfn = new SFNClient({
    endpoint: system.ready.sfnUrl,
    region: system.ready.region,
    credentials: system.credentials,
  });
  try {
    await sfn.send(new StopExecutionCommand({ executionArn: submitted.executionArn, error: 'Stopped' }));
  } finally {
    sfn.destroy();
  }
  await callLocal(system, 'POST', '/local/watch');
  return draft.submissionId;
}

/** Calls one of the local system's own routes (`/local/...`); fails unless it answers 200. */
export async function callLocal<T = Record<string, unknown>>(
  system: LocalSystem,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${system.ready.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}
