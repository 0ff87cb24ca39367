/**
 * Who may call what, written down independently of functions/catalog.ts from DESIGN.md's roles
 * and 三员分立: for every route, the callers (seeded users) that get through, everyone else is
 * refused with 403. `clerk1` owns the fixtures (its submission); `clerk2` is another clerk.
 * access.test.ts drives every row over HTTP against the local system; a route in ROUTES without
 * a row here fails it.
 */

export const CALLERS = [
  'clerk1',
  'clerk2',
  'reviewer1',
  'archivist1',
  'approver1',
  'auditor1',
  'sysadmin1',
  'secadmin1',
  'staff1',
] as const;
export type Caller = (typeof CALLERS)[number];

const STAFF: readonly Caller[] = CALLERS;
const RECORDS: readonly Caller[] = [
  'clerk1',
  'clerk2',
  'reviewer1',
  'archivist1',
  'approver1',
  'auditor1',
  'staff1',
];
const CONTENT: readonly Caller[] = ['clerk1', 'clerk2', 'reviewer1', 'archivist1', 'approver1', 'staff1'];

/** Route key → callers allowed past authorisation ('public': no token needed). */
export const MATRIX: Readonly<Record<string, readonly Caller[] | 'public'>> = {
  'GET /health': 'public',
  'GET /scheme': STAFF,
  // Colleagues' display names: everyone, to read who acted on a record.
  'GET /people': STAFF,
  'POST /customers': ['clerk1', 'clerk2', 'archivist1'],
  'GET /customers': RECORDS,
  'GET /customers/{customerId}': RECORDS,
  'PATCH /customers/{customerId}': ['clerk1', 'clerk2', 'archivist1'],
  'GET /customers/{customerId}/history': ['archivist1', 'auditor1'],
  'PUT /customers/{customerId}/closure': ['archivist1'],
  'POST /submissions': ['clerk1', 'clerk2'],
  // Each clerk lists their own submissions.
  'GET /submissions': ['clerk1', 'clerk2'],
  // Record rule own-submission: the other clerk is refused.
  'GET /submissions/{submissionId}': ['clerk1', 'reviewer1', 'archivist1', 'auditor1'],
  'POST /submissions/{submissionId}/submit': ['clerk1'],
  'POST /submissions/{submissionId}/documents/{documentId}/upload-url': ['clerk1'],
  // Record rule scan-reader, on a submission in review: its clerk, the reviewer who may decide
  // its task, archivists; the other clerk is refused.
  'GET /submissions/{submissionId}/documents/{documentId}/content': ['clerk1', 'reviewer1', 'archivist1'],
  'GET /tasks': STAFF,
  // Record rule task-decider on a review task: reviewers decide it.
  'POST /tasks/{taskId}/decision': ['reviewer1'],
  'GET /documents': RECORDS,
  'GET /documents/{documentId}': RECORDS,
  // Route roles: content readers; record rule: archivists, or a borrower under a loan.
  'GET /documents/{documentId}/content': ['archivist1'],
  'GET /documents/{documentId}/history': ['archivist1', 'auditor1'],
  // Recording what an export for handover held: archivists, who export.
  'POST /exports': ['archivist1'],
  'GET /audit': ['auditor1'],
  'GET /audit/export': ['auditor1'],
  'GET /audit/copies': ['auditor1'],
  'GET /users': ['secadmin1'],
  'GET /users/{userId}': ['secadmin1'],
  'GET /groups': ['secadmin1'],
  'POST /users/{userId}/disable': ['secadmin1'],
  'POST /users/{userId}/enable': ['secadmin1'],
  'POST /users/{userId}/roles': ['secadmin1'],
  'DELETE /users/{userId}/roles/{role}': ['secadmin1'],
  'PUT /users/{userId}/regions': ['secadmin1'],
  // Loans: content readers borrow and return their own; records staff read their own loans (any,
  // for archivists, approvers and auditors).
  'POST /loans': CONTENT,
  'GET /loans': RECORDS,
  'GET /loans/{loanId}': RECORDS,
  'POST /loans/{loanId}/return': CONTENT,
  // Retention and disposal: archivists hold; clerks and archivists record contract ends;
  // archivists, approvers and auditors read destruction lists.
  'POST /documents/{documentId}/holds': ['archivist1'],
  'DELETE /documents/{documentId}/holds/{holdId}': ['archivist1'],
  'PUT /documents/{documentId}/contract-end': ['clerk1', 'clerk2', 'archivist1'],
  'GET /disposals': ['archivist1', 'approver1', 'auditor1'],
  'GET /disposals/{batchId}': ['archivist1', 'approver1', 'auditor1'],
  // The dashboard: archivists, approvers and auditors (accounts serving every region).
  'GET /stats': ['archivist1', 'approver1', 'auditor1'],
  // Ending the wait of a stuck record (submission back to its clerk, loan ended, batch abandoned).
  'POST /stuck/{kind}/{recordId}/repair': ['archivist1'],
  // System health without record content: the system administrator runs the system.
  'GET /system/health': ['sysadmin1'],
  // Notifications: the choices of those who are told of work (not the three administrators);
  // an unsubscribe link needs no token at all.
  'GET /me/notifications': CONTENT,
  'PUT /me/notifications': CONTENT,
  'POST /notifications/unsubscribe': 'public',
  // Migration (npm run import) is the archivists'; its reviewer decides through /tasks.
  'POST /imports': ['archivist1'],
  'GET /imports': ['archivist1'],
  'GET /imports/{importId}': ['archivist1'],
  'GET /imports/{importId}/rows': ['archivist1'],
  'POST /imports/{importId}/rows': ['archivist1'],
  'POST /imports/{importId}/uploads': ['archivist1'],
  'POST /imports/{importId}/close': ['archivist1'],
  // Handover packages: the archivists', each seen by the one who asked for it.
  'POST /handovers': ['archivist1'],
  'GET /handovers': ['archivist1'],
  'GET /handovers/{handoverId}': ['archivist1'],
};

/** Callers the route refuses at the route (403 before any record is read) or by a record rule. */
export const refused = (route: string): readonly Caller[] => {
  const allowed = MATRIX[route];
  if (allowed === undefined || allowed === 'public') return [];
  return CALLERS.filter((c) => !allowed.includes(c));
};

export { CONTENT };
