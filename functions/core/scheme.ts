import * as z from 'zod/mini';
import hotelGuest from '../../schemes/hotel-guest.json' with { type: 'json' };
import powerSupply from '../../schemes/power-supply.json' with { type: 'json' };
import { formatArchiveCode, parseCodeTemplate } from './archive-code.ts';
import { errorMessage } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';

/**
 * A classification scheme (分类方案): the data that makes Dangan fit one trade. Everything the
 * domain needs to know about categories, document types, required documents, retention,
 * sensitivity and the archive-code template comes from here; nothing is hard-wired.
 */

const code = lazySchema(() =>
  z.string().check(z.regex(/^[A-Z][A-Z0-9]{0,11}$/, 'must be 1-12 upper-case letters or digits')),
);
const localized = lazySchema(() =>
  z.strictObject({ zh: z.string().check(z.minLength(1)), en: z.string().check(z.minLength(1)) }),
);

export const RETENTION_CODES = ['Y', 'D30', 'D10'] as const;
export type RetentionCode = (typeof RETENTION_CODES)[number];

/** What starts the retention clock. */
export const RETENTION_TRIGGERS = ['ARCHIVED', 'YEAR_END', 'CONTRACT_END', 'ACCOUNT_CLOSED'] as const;
export type RetentionTrigger = (typeof RETENTION_TRIGGERS)[number];

const documentTypeSchema = lazySchema(() =>
  z.strictObject({
    code,
    name: localized,
    retention: z.enum(RETENTION_CODES),
    trigger: z.enum(RETENTION_TRIGGERS),
    sensitive: z.boolean(),
    paper: z._default(z.boolean(), false),
  }),
);

const businessEventSchema = lazySchema(() =>
  z.strictObject({
    code,
    /** 机构(问题)代码 used in the archive code of documents filed under this event. */
    classCode: code,
    name: localized,
    required: z.array(code),
    optional: z._default(z.array(code), []),
  }),
);

const customerField = lazySchema(() => z.enum(['idNumber', 'phone', 'address', 'bankAccount', 'name']));

export const schemeSchema = lazySchema(() =>
  z
    .strictObject({
      id: z.string().check(z.regex(/^[a-z][a-z0-9-]{1,40}$/)),
      name: localized,
      /** 全宗号 */
      fonds: z.string().check(z.regex(/^[A-Z0-9]{1,8}$/)),
      /** 门类代码 */
      category: code,
      codeTemplate: z.string().check(z.minLength(1)),
      limits: z.strictObject({
        maxDocumentBytes: z.number().check(z.int(), z.positive()),
        maxDocumentsPerSubmission: z.number().check(z.int(), z.minimum(1), z.maximum(40)),
        uploadUrlSeconds: z.number().check(z.int(), z.minimum(60), z.maximum(3600)),
        contentUrlSeconds: z.number().check(z.int(), z.minimum(60), z.maximum(3600)),
        /**
         * Longest loan. A loan's whole life (approvals, reminders, the loan itself) runs in one
         * Standard execution, which may last a year at most: 4 × 720 h of approvals plus 180 days fit.
         */
        maxLoanDays: z.number().check(z.int(), z.minimum(1), z.maximum(180)),
        reviewTimeoutHours: z.number().check(z.int(), z.minimum(1)),
        /** How long one loan approval task waits before its reminder (and the reminder before giving up). */
        loanApprovalTimeoutHours: z.number().check(z.int(), z.minimum(1), z.maximum(720)),
        /**
         * 抽检: how many rows of a migrated batch its reviewer is shown, drawn at random from those
         * that passed the checks; at most 50, so the sample's scans fit one review transaction.
         */
        importSampleSize: z.number().check(z.int(), z.minimum(1), z.maximum(50)),
      }),
      contentTypes: z.array(z.string().check(z.regex(/^[a-z]+\/[a-z0-9.+-]+$/))).check(z.minLength(1)),
      customerTypes: z.array(z.strictObject({ code, name: localized })).check(z.minLength(1)),
      sensitiveFields: z.array(customerField),
      /** Roles that may read sensitive customer fields unmasked. */
      unmaskedRoles: z.array(z.string()),
      businessEvents: z.array(businessEventSchema).check(z.minLength(1)),
      documentTypes: z.array(documentTypeSchema).check(z.minLength(1)),
    })
    .check(
      z.superRefine((s, ctx) => {
        const typeCodes = new Set<string>();
        const eventCodes = new Set<string>();
        const unique = (
          codes: Set<string>,
          list: 'documentTypes' | 'businessEvents',
          code: string,
          i: number,
        ) => {
          if (codes.has(code))
            ctx.addIssue({ code: 'custom', path: [list, i, 'code'], message: `duplicate ${code}` });
          codes.add(code);
        };
        s.documentTypes.forEach((t, i) => {
          unique(typeCodes, 'documentTypes', t.code, i);
        });
        s.businessEvents.forEach((e, i) => {
          unique(eventCodes, 'businessEvents', e.code, i);
          for (const key of ['required', 'optional'] as const) {
            e[key].forEach((t, j) => {
              if (!typeCodes.has(t)) {
                ctx.addIssue({
                  code: 'custom',
                  path: ['businessEvents', i, key, j],
                  message: `unknown document type ${t}`,
                });
              }
            });
          }
        });
        try {
          parseCodeTemplate(s.codeTemplate);
          formatArchiveCode(s.codeTemplate, {
            fonds: s.fonds,
            category: s.category,
            year: 2000,
            retention: 'Y',
            classCode: 'X',
            seq: 1,
          });
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['codeTemplate'], message: errorMessage(err) });
        }
      }),
    ),
);

export type Scheme = z.infer<typeof schemeSchema>;
export type DocumentTypeDef = Scheme['documentTypes'][number];
export type BusinessEventDef = Scheme['businessEvents'][number];

export class SchemeError extends Error {
  constructor(
    readonly schemeId: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`scheme ${schemeId} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'SchemeError';
  }
}

/** Validates raw scheme data; a bad field fails with its path, e.g. `documentTypes.3.retention`. */
export function parseScheme(raw: unknown, label = 'scheme'): Scheme {
  const result = schemeSchema.safeParse(raw);
  if (!result.success) {
    throw new SchemeError(
      label,
      result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return result.data;
}

const BUILT_IN: Record<string, unknown> = { 'power-supply': powerSupply, 'hotel-guest': hotelGuest };
export const SCHEME_IDS = Object.keys(BUILT_IN);

const cache = new Map<string, Scheme>();

/** Returns the named built-in scheme, validated once per process. */
export function getScheme(id: string): Scheme {
  const cached = cache.get(id);
  if (cached) return cached;
  const raw = BUILT_IN[id];
  if (raw === undefined) throw new SchemeError(id, [{ path: '', message: `no scheme named ${id}` }]);
  const scheme = parseScheme(raw, id);
  cache.set(id, scheme);
  return scheme;
}

export function documentType(scheme: Scheme, typeCode: string): DocumentTypeDef | undefined {
  return scheme.documentTypes.find((t) => t.code === typeCode);
}

export function businessEvent(scheme: Scheme, eventCode: string): BusinessEventDef | undefined {
  return scheme.businessEvents.find((e) => e.code === eventCode);
}
