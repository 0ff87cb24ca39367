import { api, type SubmissionView, type TaskView } from '../api.ts';
import { age, type Ctx, errorText, field, formError, notice, pageHeader, sendForm } from '../app.ts';
import { formatTime, h, render, toast } from '../dom.ts';
import { currentLang, named, t, word } from '../i18n.ts';
import { poll } from '../poll.ts';
import { problemText } from './record-words.ts';
import { scanCards } from './scans.ts';
import { decisionExtras, showsTask, subjectTitle, taskSubject } from './task-subjects.ts';

/**
 * The task inbox of reviewers, archivists and approvers: open tasks the caller may decide,
 * refreshed every few seconds without a reload; a task opens beside the list with what it is
 * about (documents viewable inline where the caller may read them) and the decision form.
 */
export function inboxPage(root: HTMLElement, _params: string[], ctx: Ctx): () => void {
  let tasks: TaskView[] = [];
  let selected: string | undefined;
  let lastRefresh = '';
  const list = h('section', { class: 'card task-list', 'data-testid': 'task-list' });
  const detail = h('section', { class: 'card task-detail', 'data-testid': 'task-detail' });
  const status = h('small', { class: 'hint', 'data-testid': 'refresh-status' });

  const refresh = async () => {
    try {
      const res = await api<{ items: TaskView[] }>('GET', '/tasks');
      tasks = res.items;
      lastRefresh = formatTime(new Date().toISOString(), currentLang());
      status.textContent = t('autoRefresh', { at: lastRefresh });
      drawList();
      if (selected && !tasks.some((x) => x.taskId === selected)) {
        selected = undefined;
        render(detail, h('p', { class: 'hint' }, t('selectTask')));
      }
    } catch (err) {
      status.textContent = errorText(err);
    }
  };

  function drawList(): void {
    if (tasks.length === 0) {
      render(list, h('p', { class: 'empty' }, t('inboxEmpty')));
      return;
    }
    render(
      list,
      h(
        'ul',
        { class: 'tasks' },
        tasks.map((task) =>
          h(
            'li',
            {
              class: task.taskId === selected ? 'selected' : '',
              'data-task': task.taskId,
              'data-subject': task.subjectId,
            },
            h(
              'button',
              { type: 'button', class: 'task-button', onclick: () => select(task.taskId) },
              h('span', { class: 'kind' }, word('kind', task.kind)),
              h('strong', null, taskTitle(task)),
              h(
                'small',
                null,
                `${t('waiting')} ${age(task.createdAt)} · ${t('dueAt')} ${formatTime(task.dueAt, currentLang())}`,
              ),
            ),
          ),
        ),
      ),
    );
  }

  function taskTitle(task: TaskView): string {
    const s = task.summary;
    const event = ctx.scheme.businessEvents.find((e) => e.code === s.businessEvent);
    if (task.kind === 'intake-review') {
      const who = [s.customerNo, s.customerName].filter(Boolean).join(' ');
      const count = typeof s.documentCount === 'number' ? ` · ${s.documentCount} ${t('documents')}` : '';
      return `${who || task.subjectId.slice(0, 8)} · ${named(event?.name, String(s.businessEvent ?? ''))}${count}`;
    }
    return subjectTitle(task) ?? (typeof s.text === 'string' ? s.text : task.subjectId);
  }

  async function select(taskId: string): Promise<void> {
    selected = taskId;
    drawList();
    const task = tasks.find((x) => x.taskId === taskId);
    if (!task) return;
    const subject = h('div', { class: 'subject' }, h('p', { class: 'hint' }, t('loading')));
    const viewer = h('div', { class: 'viewer', 'data-testid': 'viewer-host' });
    render(
      detail,
      h('h2', null, `${word('kind', task.kind)} · ${taskTitle(task)}`),
      h(
        'small',
        { class: 'hint' },
        `${t('createdAt')} ${formatTime(task.createdAt, currentLang())} · ${t('dueAt')} ${formatTime(task.dueAt, currentLang())}`,
      ),
      subject,
      viewer,
      decisionForm(task),
    );
    try {
      if (task.kind === 'intake-review') {
        const s = await api<SubmissionView>('GET', `/submissions/${task.subjectId}`);
        render(subject, submissionSummary(s));
      } else if (showsTask(task.kind)) {
        render(subject, await taskSubject(task, viewer, ctx));
      } else {
        render(subject, h('pre', { class: 'summary' }, JSON.stringify(task.summary, null, 2)));
      }
    } catch (err) {
      render(subject, notice(errorText(err), 'error'));
    }
  }

  /** An intake review: the checks' problems, then each scan inline beside its check results. */
  function submissionSummary(s: SubmissionView): HTMLElement {
    const problems = s.validation?.problems ?? [];
    return h(
      'div',
      null,
      problems.length
        ? h(
            'ul',
            { class: 'problems' },
            problems.map((p) =>
              h('li', null, `${p.check ? `${word('chk', p.check)}：` : ''}${problemText(p, ctx.scheme)}`),
            ),
          )
        : null,
      scanCards(s.submissionId, s.documents, ctx.scheme),
    );
  }

  function decisionForm(task: TaskView): HTMLElement {
    const comment = h('textarea', { rows: 3, name: 'comment', 'data-testid': 'comment' });
    const general = formError();
    const extras = decisionExtras(task);
    const form = h(
      'form',
      { class: 'decision', novalidate: true },
      field(t('comment'), comment, 'comment', t('commentHint')),
      extras?.el,
      general,
    );
    const decide = (decision: 'approve' | 'reject') =>
      sendForm(form, general, async () => {
        const text = comment.value.trim();
        await api('POST', `/tasks/${task.taskId}/decision`, {
          decision,
          ...(text ? { comment: text } : {}),
          ...extras?.values(),
        });
        toast(`${t('decided')}: ${t(decision)}`);
        tasks = tasks.filter((x) => x.taskId !== task.taskId);
        selected = undefined;
        drawList();
        render(detail, h('p', { class: 'hint' }, t('selectTask')));
      });
    form.append(
      h(
        'div',
        { class: 'form-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'data-testid': 'approve',
            onclick: () => void decide('approve'),
          },
          t('approve'),
        ),
        h(
          'button',
          { type: 'button', class: 'danger', 'data-testid': 'reject', onclick: () => void decide('reject') },
          t('reject'),
        ),
      ),
    );
    form.addEventListener('submit', (e) => e.preventDefault());
    return form;
  }

  render(
    root,
    pageHeader(
      t('inbox'),
      status,
      h('button', { type: 'button', class: 'secondary', onclick: () => polling.again() }, t('refresh')),
    ),
    h('div', { class: 'inbox' }, list, detail),
  );
  render(list, h('p', { class: 'hint' }, t('loading')));
  render(detail, h('p', { class: 'hint' }, t('selectTask')));
  void refresh();
  const polling = poll(refresh, { firstMs: 15000, maxMs: 60000 });
  return () => polling.stop();
}
