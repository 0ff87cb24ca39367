import { api, type DocumentView, type LoanView, type TaskView } from '../api.ts';
import { badge, type Ctx, field, hasGroup } from '../app.ts';
import { dataTable, formatTime, h } from '../dom.ts';
import { currentLang, named, t, word } from '../i18n.ts';
import { personName } from '../people.ts';
import { type BatchDetail, batchFacts, batchItemsTable } from './disposals.ts';
import { loanStatusCell, shelf } from './loans.ts';
import { showContent } from './shared.ts';

/** Task kinds this module shows in the inbox. */
const KINDS = new Set(['loan-approval', 'disposal-appraisal', 'disposal-approval']);

export const showsTask = (kind: string): boolean => KINDS.has(kind);

/**
 * What a loan approval asks: who wants which documents, for what and how long. Archivists (who
 * decide the second level) may preview the originals; approvers see metadata only.
 */
async function loanSubject(task: TaskView, viewer: HTMLElement, ctx: Ctx): Promise<HTMLElement> {
  const loan = await api<LoanView>('GET', `/loans/${task.subjectId}`);
  const docs = await Promise.all(
    loan.documents.map((d) => api<DocumentView>('GET', `/documents/${d.documentId}`).catch(() => undefined)),
  );
  const mayPreview = hasGroup(ctx, 'archivist');
  const level = typeof task.summary.level === 'string' ? task.summary.level : undefined;
  return h(
    'div',
    { 'data-testid': 'loan-subject' },
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, t('borrower')),
      h('dd', { 'data-testid': 'loan-borrower' }, personName(loan.borrower)),
      h('dt', null, t('purpose')),
      h('dd', { 'data-testid': 'loan-purpose' }, loan.purpose),
      h('dt', null, t('loanDays')),
      h('dd', null, `${loan.days} ${t('days')}`),
      h('dt', null, t('createdAt')),
      h('dd', null, formatTime(loan.createdAt, currentLang())),
      level ? [h('dt', null, t('approvalLevel')), h('dd', null, word('level', level))] : null,
      h('dt', null, t('status')),
      h('dd', null, loanStatusCell(loan)),
    ),
    loan.sensitive ? h('p', null, badge('sensitive', t('twoApprovals'))) : null,
    dataTable(
      [t('archiveCode'), t('title'), t('docType'), ''],
      loan.documents.map((d, i) => {
        const meta = docs[i];
        return h(
          'tr',
          { 'data-document': d.documentId },
          h(
            'td',
            { class: 'mono' },
            h('a', { href: `#/documents/${d.documentId}` }, d.archiveCode ?? d.documentId.slice(0, 8)),
          ),
          h('td', null, meta?.title ?? ''),
          h(
            'td',
            null,
            named(meta?.docTypeName, d.docType),
            d.sensitive ? badge('sensitive', t('sensitive')) : null,
            d.paper ? badge('paper', `${t('paperOriginal')} ${shelf(d)}`) : null,
          ),
          h(
            'td',
            null,
            mayPreview && meta
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'small secondary',
                    onclick: () => void showContent(viewer, meta),
                  },
                  t('preview'),
                )
              : null,
          ),
        );
      }),
      { 'data-testid': 'loan-documents' },
    ),
  );
}

/** What a disposal appraisal or approval asks: the batch and the documents it would destroy. */
async function disposalSubject(task: TaskView): Promise<HTMLElement> {
  const batch = await api<BatchDetail>('GET', `/disposals/${encodeURIComponent(task.subjectId)}`);
  const proposed = batch.items.filter((i) => i.status === 'PROPOSED');
  return h(
    'div',
    { 'data-testid': 'disposal-subject' },
    batchFacts(batch),
    h('h3', null, `${t('destructionList')} (${proposed.length})`),
    batchItemsTable(batch.items),
    h('p', null, h('a', { href: `#/disposals/${batch.batchId}` }, t('destructionList'))),
  );
}

/** The subject of a loan or disposal task, for the inbox's task detail. */
export function taskSubject(task: TaskView, viewer: HTMLElement, ctx: Ctx): Promise<HTMLElement> {
  return task.kind === 'loan-approval' ? loanSubject(task, viewer, ctx) : disposalSubject(task);
}

/**
 * Fields a decision of this kind takes beyond the comment: an appraisal keeps documents longer
 * with a new period and a reason (required when it rejects destruction). Undefined for others.
 */
export function decisionExtras(
  task: TaskView,
): { el: HTMLElement; values: () => Record<string, unknown> } | undefined {
  if (task.kind !== 'disposal-appraisal') return undefined;
  const years = h('input', { type: 'number', min: 1, max: 100, step: 1, name: 'extendYears' });
  const reason = h('input', { type: 'text', name: 'reason', maxlength: 2000 });
  return {
    el: h(
      'div',
      { class: 'grid-form' },
      field(t('extendYears'), years, 'extendYears', t('extendYearsHint')),
      field(t('extendReason'), reason, 'reason'),
    ),
    values: () => ({
      ...(years.value.trim() === '' ? {} : { extendYears: Number(years.value) }),
      ...(reason.value.trim() === '' ? {} : { reason: reason.value.trim() }),
    }),
  };
}

/** A task's line in the inbox list, in the user's language, from its summary. */
export function subjectTitle(task: TaskView): string | undefined {
  const s = task.summary;
  const n = Array.isArray(s.documents) ? s.documents.length : Number(s.documentCount ?? 0);
  if (task.kind === 'loan-approval') {
    return `${personName(String(s.borrower ?? ''))} · ${String(s.purpose ?? '')} · ${n} ${t('documents')} · ${String(s.days ?? '')} ${t('days')}`;
  }
  if (task.kind === 'disposal-appraisal' || task.kind === 'disposal-approval') {
    return `${task.subjectId} · ${t('dueMonth')} ${String(s.dueMonth ?? '')} · ${n} ${t('documents')}`;
  }
  return undefined;
}
