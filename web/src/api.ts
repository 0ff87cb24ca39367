import { ROUTES } from 'virtual:dangan-routes';
import type { FieldError } from '../../functions/contract.ts';
import { clearSession, currentSession, type Session } from './auth.ts';
import type { ConsoleConfig } from './config.ts';

/** The API as the console calls it: JSON in and out, errors as `ApiError` with field details. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** The values the message names (`error.params`: a missing record's `what` and `id`). */
    readonly params: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field errors (`details: [{path, message}]`), when the API named fields. */
  get fields(): FieldError[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is FieldError =>
        d !== null && typeof d === 'object' && typeof (d as FieldError).path === 'string',
    );
  }
}

let config: ConsoleConfig | undefined;
let onSignedOut: () => void = () => undefined;

export function configureApi(c: ConsoleConfig, signedOut: () => void): void {
  config = c;
  onSignedOut = signedOut;
}

export function session(): Session {
  const s = currentSession();
  if (!s) {
    onSignedOut();
    throw new ApiError(401, 'Unauthorized', 'signed out');
  }
  return s;
}

export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const s = session();
  const res = await fetch(`${config?.apiUrl ?? ''}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${s.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = { error: { code: 'BadResponse', message: text.slice(0, 200) } };
  }
  if (res.status === 401) {
    clearSession();
    onSignedOut();
  }
  if (!res.ok) {
    const e =
      (
        parsed as {
          error?: { code?: string; message?: string; details?: unknown; params?: Record<string, string> };
        }
      ).error ?? {};
    throw new ApiError(
      res.status,
      e.code ?? `HTTP${res.status}`,
      e.message ?? res.statusText,
      e.details,
      e.params,
    );
  }
  return parsed as T;
}

/** A route that needs no sign-in (an unsubscribe link): JSON in and out, errors as `ApiError`. */
export async function publicApi<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${config?.apiUrl ?? ''}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) {
    throw new ApiError(
      res.status,
      parsed.error?.code ?? `HTTP${res.status}`,
      parsed.error?.message ?? res.statusText,
    );
  }
  return parsed as T;
}

/** A non-JSON answer (a CSV export) as a Blob, with the same sign-in handling. */
export async function apiBlob(path: string, accept: string): Promise<Blob> {
  const s = session();
  const res = await fetch(`${config?.apiUrl ?? ''}${path}`, {
    headers: { authorization: `Bearer ${s.token}`, accept },
  });
  if (res.status === 401) {
    clearSession();
    onSignedOut();
  }
  if (!res.ok) throw new ApiError(res.status, `HTTP${res.status}`, res.statusText);
  return res.blob();
}

export const qs = (params: Record<string, string | undefined>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};

/**
 * Whether this build of Dangan has a route (the console is built with the route table of the
 * same commit), and whether the signed-in user's groups may call it.
 */
export function canCall(method: string, path: string, groups: readonly string[]): boolean {
  const route = ROUTES.find((r) => r.method === method && r.path === path);
  if (!route) return false;
  if (route.roles === 'public') return true;
  return route.roles.some((r) => groups.includes(r));
}

export const hasRoute = (method: string, path: string): boolean =>
  ROUTES.some((r) => r.method === method && r.path === path);

// ---- Shapes the console reads ----------------------------------------------------------------

/** The API's views and enums, as the functions define them (type-only: nothing is bundled). */
export type {
  AgeBand,
  AuditEvent,
  BatchItemView,
  BatchStatus,
  BatchView,
  CheckName,
  CheckResult,
  Customer,
  CustomerAccountStatus,
  CustomerVersionView,
  DocumentStatus,
  DocumentVersionView,
  DocumentView,
  FieldError,
  FieldErrorCode,
  HandoverStatus,
  HandoverView,
  Hold,
  ItemStatus,
  LoanApprovalLevel,
  LoanDocument,
  LoanStatus,
  LoanView,
  PersonView,
  Problem,
  ProblemCode,
  Rejection,
  RejectionCode,
  RetentionCode,
  RetentionTrigger,
  Role,
  StatsView,
  SubmissionListItem,
  SubmissionStatus,
  SubmissionView,
  TaskStatus,
  TaskView,
  WatchedKind,
} from '../../functions/contract.ts';

// The views below are built outside functions/core (in a handler or an adapter), so the console
// keeps its own copy of what it reads of them.

/** A name in both languages, as the scheme gives it. */
export interface Named {
  zh: string;
  en: string;
}

/** `GET /scheme` (functions/api/scheme-get.ts `schemeView`): the parts the console reads. */
export interface Scheme {
  id: string;
  name: Named;
  fonds: string;
  category: string;
  limits: { maxDocumentBytes: number; maxDocumentsPerSubmission: number; maxLoanDays: number };
  contentTypes: string[];
  customerTypes: { code: string; name: Named }[];
  businessEvents: { code: string; classCode: string; name: Named; required: string[]; optional: string[] }[];
  documentTypes: { code: string; name: Named; retention: string; sensitive: boolean }[];
}

/** A presigned PUT (functions/adapters `presignUpload`). */
export interface Upload {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}
