import './admin.css';
import type { WatchedKind } from '../api.ts';
import { badge, loadPage, notice, type Page, pageHeader } from '../app.ts';
import { button, dataTable, formatTime, h } from '../dom.ts';
import { currentLang, type MessageKey, t, word } from '../i18n.ts';

/**
 * The system administrator's page (`GET /system/health`, functions/core/system-health.ts): how
 * each workflow's executions ended when they did not succeed, the records the hourly check found
 * stuck, and the scheduled jobs' last runs. Ids, statuses, dates and counts only: the system
 * administrator runs the system and reads no record (三员分立). The deployment's alarms with
 * their states where CloudWatch has them (on AWS); elsewhere the page says there are none to read.
 */

type Unsuccessful = 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface Health {
  checkedAt: string;
  workflows: {
    workflow: string;
    counts: Record<Unsuccessful, number>;
    more: boolean;
    recent: { name: string; status: Unsuccessful; startedAt: string; stoppedAt?: string }[];
  }[];
  stuck: {
    count: number;
    items: { kind: WatchedKind; recordId: string; reason: string; foundAt: string }[];
  };
  jobs: {
    job: 'retention' | 'fixity' | 'permanence';
    lastRunAt?: string;
    lastRun: Record<string, number | boolean | string>;
  }[];
  /** Absent where the deployment has no CloudWatch alarms to read (this machine). */
  alarms?: { name: string; state: string; since: string }[];
}

const STATUSES: readonly Unsuccessful[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];

const WORKFLOW_NAMES: Readonly<Record<string, MessageKey>> = {
  'intake-review-archive': 'sysWfIntake',
  'borrow-approval': 'sysWfBorrow',
  disposal: 'sysWfDisposal',
  'import-batch': 'sysWfImport',
  handover: 'sysWfHandover',
};
const JOB_NAMES: Readonly<Record<Health['jobs'][number]['job'], MessageKey>> = {
  retention: 'sysJobRetention',
  fixity: 'sysJobFixity',
  permanence: 'sysJobPermanence',
};
const REPAIRS: Readonly<Record<WatchedKind, MessageKey>> = {
  submission: 'sysRepairSubmission',
  loan: 'sysRepairLoan',
  disposal: 'sysRepairDisposal',
  import: 'sysRepairImport',
};

const statusWord = (s: Unsuccessful): string => t(`sys${s}` as MessageKey);
const ALARM_STATES: Readonly<Record<string, MessageKey>> = {
  ALARM: 'sysAlarmAlarm',
  OK: 'sysAlarmOk',
  INSUFFICIENT_DATA: 'sysAlarmNoData',
};
const alarmStateWord = (state: string): string => (ALARM_STATES[state] ? t(ALARM_STATES[state]) : state);
const workflowWord = (w: string): string => (WORKFLOW_NAMES[w] ? t(WORKFLOW_NAMES[w]) : w);

/** The stuck check writes its reason as `中文 / English`; each reader gets their half. */
const reasonIn = (reason: string): string => {
  const [zh, en] = reason.split(' / ');
  return (currentLang() === 'zh' ? zh : en) ?? reason;
};

/** Words for the figures of the jobs' runs (functions/core/system-health.ts `figuresOf`). */
const FIGURE_NAMES: Readonly<Record<string, MessageKey>> = {
  sweptFrom: 'sysFig_sweptFrom',
  sweptThrough: 'sysFig_sweptThrough',
  found: 'sysFig_found',
  proposed: 'sysFig_proposed',
  held: 'sysFig_held',
  onLoan: 'sysFig_onLoan',
  dropped: 'sysFig_dropped',
  batches: 'sysFig_batches',
  restarted: 'sysFig_restarted',
  checked: 'sysFig_checked',
  mismatches: 'sysFig_mismatches',
  extended: 'sysFig_extended',
  locked: 'sysFig_locked',
  failed: 'sysFig_failed',
  legacyDone: 'sysFig_legacyDone',
};

/** A job's figures in words: `到期 3 · 拟销毁 2`; a figure the console has no word for keeps its name. */
function figures(lastRun: Record<string, number | boolean | string>): string {
  const known = Object.keys(FIGURE_NAMES);
  const rank = (name: string) => (known.includes(name) ? known.indexOf(name) : known.length);
  return Object.entries(lastRun)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([name, value]) => {
      const key = FIGURE_NAMES[name];
      const shown = typeof value === 'boolean' ? t(value ? 'sysYes' : 'sysNo') : String(value);
      return `${key ? t(key) : name} ${shown}`;
    })
    .join(' · ');
}

export const systemPage: Page = async (root, _params, ctx) => {
  const title = t('sysHealth');
  const health = await loadPage<Health>(root, title, '/system/health');
  if (!health) return;
  const lang = currentLang();

  const executions = health.workflows.flatMap((w) => w.recent.map((e) => ({ ...e, workflow: w.workflow })));
  root.replaceChildren(
    pageHeader(title, button(t('refresh'), { class: 'secondary', onclick: () => ctx.rerender() })),
    h(
      'p',
      { class: 'hint' },
      t('sysHealthHint'),
      ' ',
      t('sysCheckedAt', { at: formatTime(health.checkedAt, lang) }),
    ),
    h(
      'section',
      { class: 'card', 'data-testid': 'workflows' },
      h('h2', null, t('sysWorkflows')),
      dataTable(
        [t('sysWorkflow'), ...STATUSES.map((s) => ({ label: statusWord(s), attrs: { class: 'count' } }))],
        health.workflows.map((w) =>
          h(
            'tr',
            { 'data-workflow': w.workflow },
            h(
              'td',
              null,
              workflowWord(w.workflow),
              w.more ? h('div', { class: 'hint' }, t('sysMore')) : null,
            ),
            STATUSES.map((s) =>
              h(
                'td',
                { class: w.counts[s] > 0 ? 'count bad' : 'count', 'data-status': s },
                String(w.counts[s]),
              ),
            ),
          ),
        ),
        { 'data-testid': 'workflow-counts' },
      ),
      executions.length === 0
        ? h('p', { class: 'hint' }, t('sysNoFailures'))
        : dataTable(
            [t('sysWorkflow'), t('sysExecution'), t('status'), t('sysStartedAt'), t('sysStoppedAt')],
            executions.map((e) =>
              h(
                'tr',
                { 'data-testid': `execution-${e.name}` },
                h('td', null, workflowWord(e.workflow)),
                h('td', { class: 'mono' }, e.name),
                h('td', null, badge('failed', statusWord(e.status))),
                h('td', { class: 'nowrap' }, formatTime(e.startedAt, lang)),
                h('td', { class: 'nowrap' }, formatTime(e.stoppedAt, lang)),
              ),
            ),
            { 'data-testid': 'executions' },
          ),
    ),
    h(
      'section',
      { class: 'card', 'data-testid': 'system-stuck' },
      h(
        'h2',
        null,
        t('sysStuck'),
        ' ',
        badge(health.stuck.count > 0 ? 'failed' : 'done', String(health.stuck.count)),
      ),
      h('p', { class: 'hint' }, t('sysStuckHint')),
      health.stuck.items.length === 0
        ? h('p', { class: 'hint' }, t('sysNoStuck'))
        : dataTable(
            [t('dashStuckRecord'), t('dashStuckReason'), t('dashStuckFound'), t('sysRepair')],
            health.stuck.items.map((s) =>
              h(
                'tr',
                { 'data-testid': `system-stuck-${s.recordId}` },
                h('td', null, `${word('stuckKind', s.kind)} `, h('span', { class: 'mono' }, s.recordId)),
                h('td', null, reasonIn(s.reason)),
                h('td', { class: 'nowrap' }, formatTime(s.foundAt, lang)),
                h('td', null, t(REPAIRS[s.kind])),
              ),
            ),
          ),
    ),
    h(
      'section',
      { class: 'card', 'data-testid': 'jobs' },
      h('h2', null, t('sysJobs')),
      dataTable(
        [t('sysJob'), t('sysLastRun'), t('sysFigures')],
        health.jobs.map((j) =>
          h(
            'tr',
            { 'data-job': j.job },
            h('td', null, t(JOB_NAMES[j.job])),
            h('td', { class: 'nowrap' }, j.lastRunAt ? formatTime(j.lastRunAt, lang) : t('sysNeverRun')),
            h('td', null, figures(j.lastRun)),
          ),
        ),
      ),
    ),
    h(
      'section',
      { class: 'card', 'data-testid': 'alarms' },
      h('h2', null, t('sysAlarms')),
      health.alarms === undefined
        ? notice(t('sysAlarmsUnavailable'), 'info')
        : dataTable(
            [t('sysAlarm'), t('sysAlarmState'), t('sysAlarmSince')],
            health.alarms.map((a) =>
              h(
                'tr',
                { 'data-alarm': a.name, 'data-state': a.state },
                h('td', null, a.name),
                h('td', null, alarmStateWord(a.state)),
                h('td', { class: 'nowrap' }, a.since ? formatTime(a.since, lang) : ''),
              ),
            ),
          ),
    ),
  );
};
