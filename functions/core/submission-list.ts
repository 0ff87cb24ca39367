import * as z from 'zod/mini';
import { BadRequest } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';
import { SUBMISSION_STATUSES, type Submission, type SubmissionStatus } from './submissions.ts';

/**
 * `GET /submissions?status=&limit=&cursor=`: the caller's own submissions, newest first, a page
 * at a time. The cursor is opaque to clients: the position (creation time and id) of the last
 * submission looked at, and the status filter it was made for.
 */

export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;

export const listQuerySchema = lazySchema(() =>
  z.strictObject({
    status: z.optional(
      z.enum(SUBMISSION_STATUSES, { message: `must be one of ${SUBMISSION_STATUSES.join(', ')}` }),
    ),
    limit: z.optional(
      z.pipe(
        z.pipe(
          z.string().check(z.regex(/^\d{1,3}$/, `must be a whole number from 1 to ${MAX_LIST_LIMIT}`)),
          z.transform(Number),
        ),
        z
          .number()
          .check(
            z.minimum(1, `must be a whole number from 1 to ${MAX_LIST_LIMIT}`),
            z.maximum(MAX_LIST_LIMIT, `must be a whole number from 1 to ${MAX_LIST_LIMIT}`),
          ),
      ),
    ),
    cursor: z.optional(
      z.string().check(z.minLength(1), z.maxLength(400, 'is not a cursor this list returned')),
    ),
  }),
);

export type ListQuery = z.infer<typeof listQuerySchema>;

/** Where a page ends in the clerk's list: the last submission looked at. */
export interface ListPosition {
  createdAt: string;
  submissionId: string;
}

interface CursorBody {
  /** The status filter the cursor belongs to ('' for none). */
  s: string;
  t: string;
  id: string;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const ID = /^[A-Za-z0-9-]{1,64}$/;

/** What the list's cursor holds (signed into a page token by the handler). */
export function listCursorBody(position: ListPosition, status: SubmissionStatus | undefined): CursorBody {
  return { s: status ?? '', t: position.createdAt, id: position.submissionId };
}

const refuseCursor = (message: string) =>
  new BadRequest(`invalid request: cursor: ${message}`, [{ path: 'cursor', message }]);

/** The refusal of a cursor this list did not issue. */
export const foreignCursor = () => refuseCursor('is not a cursor this list returned');

/** Reads a cursor's body back; it must be one this list returned for the same status filter. */
export function listPositionFrom(body: unknown, status: SubmissionStatus | undefined): ListPosition {
  const refuse = refuseCursor;
  const b = body as Partial<CursorBody> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    Array.isArray(b) ||
    Object.keys(b).sort().join(',') !== 'id,s,t' ||
    typeof b.s !== 'string' ||
    typeof b.t !== 'string' ||
    typeof b.id !== 'string' ||
    !ISO_TIME.test(b.t) ||
    !ID.test(b.id)
  ) {
    throw refuse('is not a cursor this list returned');
  }
  if (b.s !== (status ?? '')) {
    throw refuse(
      `was made for ${b.s === '' ? 'no status filter' : `status=${b.s}`}, not ${status === undefined ? 'no status filter' : `status=${status}`}; start again without it`,
    );
  }
  return { createdAt: b.t, submissionId: b.id };
}

export interface CustomerName {
  customerId: string;
  name?: string;
}

/** One submission as the list shows it: where it stands, what it is about, and why it came back. */
export function submissionListItem(s: Submission, customer: CustomerName | undefined) {
  return {
    submissionId: s.submissionId,
    status: s.status,
    businessEvent: s.businessEvent,
    customerId: s.customerId,
    ...(s.customerNo === undefined ? {} : { customerNo: s.customerNo }),
    ...(customer?.name === undefined ? {} : { customerName: customer.name }),
    documentCount: s.documentIds.length,
    attempt: s.attempt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    ...(s.submittedAt === undefined ? {} : { submittedAt: s.submittedAt }),
    ...(s.archivedAt === undefined ? {} : { archivedAt: s.archivedAt }),
    ...(s.status === 'REJECTED' && s.rejection
      ? {
          rejection: {
            ...(s.rejection.code ? { code: s.rejection.code } : {}),
            ...(s.rejection.params ? { params: s.rejection.params } : {}),
            reason: s.rejection.reason,
            problemCount: s.rejection.problems.length,
            decidedBy: s.rejection.decidedBy,
            at: s.rejection.at,
          },
        }
      : {}),
  };
}

/**
 * Takes the submissions that match the filter, in index order, until the page is full. Returns
 * the page and the position of the last one it took (where the next page starts) when it
 * stopped because the page was full.
 */
export function fillPage(
  candidates: readonly Submission[],
  status: SubmissionStatus | undefined,
  room: number,
): { taken: Submission[]; full?: ListPosition } {
  const taken: Submission[] = [];
  for (const s of candidates) {
    if (status !== undefined && s.status !== status) continue;
    taken.push(s);
    if (taken.length >= room)
      return { taken, full: { createdAt: s.createdAt, submissionId: s.submissionId } };
  }
  return { taken };
}
