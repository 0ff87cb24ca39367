import { type Ctx, pageHeader } from '../app.ts';
import { h, render } from '../dom.ts';
import { t } from '../i18n.ts';
import { customerStep } from './clerk/customer-step.ts';
import { draft, locked, resetDraft } from './clerk/draft.ts';
import { eventStep } from './clerk/event-step.ts';
import { filesStep } from './clerk/files-step.ts';
import { mySubmissions } from './clerk/my-submissions.ts';
import { submitStep } from './clerk/submit-step.ts';
import type { ClerkView, Steps } from './clerk/view.ts';

/**
 * The clerk's page (档案移交): find or register the customer, pick the business event, see the
 * scheme's required documents as a checklist, drop the scans, upload each one straight to
 * storage with its progress, and submit the batch for review. Each step is a module of
 * pages/clerk/ over the draft (pages/clerk/draft.ts), which outlives the page.
 */
export function clerkPage(root: HTMLElement, _params: string[], ctx: Ctx): () => void {
  // The steps redraw each other through this table; it is called only after all are made.
  const steps: Steps = {
    customer: () => customer.draw(),
    event: () => event.draw(),
    checklist: () => event.drawChecklist(),
    files: () => files.draw(),
    rows: () => files.drawRows(),
    // A file's state (read, refused, sent, reported by storage) may tick or untick the checklist.
    row: (r) => {
      files.drawRow(r);
      event.drawChecklist();
    },
    progress: (r) => files.updateProgress(r),
    actions: () => actions.draw(),
    upload: (rows) => actions.upload(rows),
  };
  const view: ClerkView = { root, scheme: ctx.scheme, steps };
  const customer = customerStep(view);
  const event = eventStep(view);
  const files = filesStep(view);
  const actions = submitStep(view);

  render(
    root,
    pageHeader(
      t('navUpload'),
      locked()
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => {
                resetDraft();
                ctx.rerender();
              },
            },
            t('newSubmission'),
          )
        : null,
    ),
    h(
      'div',
      { class: 'clerk-grid' },
      h('div', { class: 'col' }, customer.box, event.box),
      h('div', { class: 'col wide' }, files.box, actions.box),
    ),
    mySubmissions(ctx.scheme),
  );
  customer.draw();
  event.draw();
  files.draw();
  actions.draw();
  if (locked() && !draft().uploading) actions.startPolling();
  return actions.stop;
}
