import { knownCategories, type SchemeInfo, type Selection } from './bag-contents.ts';
import { BadRequest, type FieldError } from './errors.ts';
import type { Actor } from './roles.ts';

/**
 * Handover packages (移交包) built in the cloud: an archivist chooses a selection in the console
 * (the export command's selection: customers, an archive year, a class), the API counts it and
 * starts the `handover` workflow, whose one step writes the same BagIt bag the command writes, as
 * one ZIP streamed into the archive bucket under `handovers/`, and the archivist downloads it
 * through a short-lived link. Lifecycle: BUILDING → READY, or FAILED with the reason; a package
 * is EXPIRED once the bucket's lifecycle has removed it.
 */

export const HANDOVER_STATUSES = ['BUILDING', 'READY', 'FAILED', 'EXPIRED'] as const;
export type HandoverStatus = (typeof HANDOVER_STATUSES)[number];

/**
 * What one package may hold, so that it is built within one run of its function (15 minutes):
 * the build is bound by CPU (CRC-32 and three SHA-256 passes over every byte), measured at
 * 35–57 MiB/s on a loaded shared core, so at 20 MiB/s (a 1 GB function's 0.6 of a core) 3 GiB take
 * under three minutes; each document adds about 50 ms of reads (its record, history and object),
 * so 2,000 documents add under two more. Far inside the limit, so a slow day does not fail a
 * package; and inside ZIP without its 64-bit extension (4 GiB, 65,535 entries), which every
 * unzip tool reads. A larger selection is refused up front with these figures: narrow it by
 * year or class, or use `npm run export`, which has no limit.
 */
export const MAX_HANDOVER_DOCUMENTS = 2000;
export const MAX_HANDOVER_BYTES = 3 * 1024 ** 3;
/** Packages live under this prefix of the archive bucket (its own lifecycle rule expires them). */
export const HANDOVER_PREFIX = 'handovers/';

/**
 * Days a package is kept before the bucket's lifecycle removes it. Long enough to arrange the
 * handover with the receiving archive across a weekend; short, because every package is a full
 * copy of customers' files outside the originals' Object Lock, and the selection is built again
 * in minutes when needed.
 */
export const HANDOVER_KEEP_DAYS = 7;

/** Seconds a download link works: enough to start the download, not to pass the link around. */
export const HANDOVER_LINK_SECONDS = 300;

/**
 * A package still BUILDING this long after it was asked for has failed: its one step runs at most
 * 15 minutes (the workflow's own timeout is 30), so no package waits on nothing.
 */
export const HANDOVER_DEADLINE_SECONDS = 45 * 60;

/** Packages `GET /handovers` lists: the caller's newest. */
export const HANDOVER_LIST_LIMIT = 20;

/** A category the scheme does not know is a 400 listing the ones it knows. */
export function checkHandoverCategory(scheme: SchemeInfo, category: string | undefined): void {
  if (category === undefined) return;
  const known = knownCategories(scheme);
  if (known.includes(category)) return;
  throw new BadRequest(
    `category ${category} is not in scheme ${scheme.id}; known: ${known.join(', ')} / 分类方案中没有分类 ${category}；可用：${known.join('、')}`,
    [
      {
        path: 'category',
        code: 'invalid_value',
        message: `is not a category of the scheme (${known.join(', ')})`,
        params: { values: known },
      },
    ] satisfies FieldError[],
  );
}

/** What a selection was counted to hold when it was asked for. */
export interface HandoverPlan {
  /** The customers in the package, in order (those named, or those of the year). */
  customerIds: string[];
  documents: number;
  /** Bytes of the originals. */
  bytes: number;
}

/** Counts a selection against the limits: a 400 naming the figure it passes, or holding nothing. */
export function checkHandoverPlan(plan: Omit<HandoverPlan, 'customerIds'>, more: boolean): void {
  if (plan.documents === 0) {
    throw new BadRequest('the selection holds no archived document / 所选范围内没有已归档的文件', [
      { path: 'customers', code: 'invalid', message: 'holds no archived document' },
    ] satisfies FieldError[]);
  }
  if (more || plan.documents > MAX_HANDOVER_DOCUMENTS) {
    throw new BadRequest(
      `the selection holds more than ${MAX_HANDOVER_DOCUMENTS} documents, the most one package holds; narrow it by year or class, or use npm run export / 所选超过 ${MAX_HANDOVER_DOCUMENTS} 件（一个移交包的上限）；请按年度或分类缩小范围，或使用 npm run export`,
      [
        {
          path: 'customers',
          code: 'too_big',
          message: `more than ${MAX_HANDOVER_DOCUMENTS} documents`,
          params: { maximum: MAX_HANDOVER_DOCUMENTS },
        },
      ] satisfies FieldError[],
    );
  }
  if (plan.bytes > MAX_HANDOVER_BYTES) {
    throw new BadRequest(
      `the selection's originals take ${plan.bytes} bytes, more than ${MAX_HANDOVER_BYTES} (3 GiB), the most one package holds; narrow it by year or class, or use npm run export / 所选原件共 ${plan.bytes} 字节，超过一个移交包的上限 ${MAX_HANDOVER_BYTES} 字节（3 GiB）；请按年度或分类缩小范围，或使用 npm run export`,
      [
        {
          path: 'customers',
          code: 'too_big',
          message: `more than ${MAX_HANDOVER_BYTES} bytes`,
          params: { maximum: MAX_HANDOVER_BYTES },
        },
      ] satisfies FieldError[],
    );
  }
}

export interface HandoverFailure {
  code: string;
  zh: string;
  en: string;
}

export interface Handover {
  handoverId: string;
  status: Exclude<HandoverStatus, 'EXPIRED'>;
  /** Who asked: the package is theirs alone, and built as they would read the records. */
  requestedBy: Actor;
  selection: Selection;
  /** The bag's name (the ZIP's top directory). */
  bag: string;
  plan: HandoverPlan;
  createdAt: string;
  updatedAt: string;
  /** The object key of the ZIP in the archive bucket. */
  key: string;
  /** The request that asked for it: every audit event of the package names it. */
  requestId: string;
  /** When READY: what the package holds. */
  result?: {
    customers: number;
    documents: number;
    originalBytes: number;
    payloadFiles: number;
    payloadBytes: number;
    /** Size of the ZIP. */
    bytes: number;
    sha256: string;
  };
  failure?: HandoverFailure;
}

/** The package's ZIP in the archive bucket. */
export const handoverKey = (handoverId: string, bag: string): string =>
  `${HANDOVER_PREFIX}${handoverId}/${bag}.zip`;

/** When the bucket's lifecycle removes the package (it runs once a day, so at most a day later). */
export const handoverExpiresAt = (h: Pick<Handover, 'createdAt'>): string =>
  new Date(Date.parse(h.createdAt) + HANDOVER_KEEP_DAYS * 86_400_000).toISOString();

/** The status a package is in at `now`: one BUILDING past its deadline has failed, an old one expired. */
export function handoverStatus(h: Pick<Handover, 'status' | 'createdAt'>, now: Date): HandoverStatus {
  if (h.status === 'BUILDING' && now.getTime() - Date.parse(h.createdAt) > HANDOVER_DEADLINE_SECONDS * 1000) {
    return 'FAILED';
  }
  if (h.status === 'READY' && now.toISOString() >= handoverExpiresAt(h)) return 'EXPIRED';
  return h.status;
}

export const DEADLINE_PASSED: HandoverFailure = {
  code: 'deadline',
  zh: `打包未在 ${HANDOVER_DEADLINE_SECONDS / 60} 分钟内完成`,
  en: `the package was not built within ${HANDOVER_DEADLINE_SECONDS / 60} minutes`,
};

/** A package as the API shows it to its requester. */
export function handoverView(h: Handover, now: Date) {
  const status = handoverStatus(h, now);
  const failure = status === 'FAILED' ? (h.failure ?? DEADLINE_PASSED) : undefined;
  return {
    handoverId: h.handoverId,
    status,
    selection: h.selection,
    bag: h.bag,
    fileName: `${h.bag}.zip`,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    customers: h.result?.customers ?? h.plan.customerIds.length,
    documents: h.result?.documents ?? h.plan.documents,
    originalBytes: h.result?.originalBytes ?? h.plan.bytes,
    ...(h.result ? { bytes: h.result.bytes, sha256: h.result.sha256 } : {}),
    ...(status === 'READY' || status === 'EXPIRED' ? { expiresAt: handoverExpiresAt(h) } : {}),
    ...(failure ? { failure } : {}),
  };
}

export type HandoverView = ReturnType<typeof handoverView>;
