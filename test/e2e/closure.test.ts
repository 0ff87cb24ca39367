/**
 * A closure date corrected, end to end over HTTP against the local system: an account closed on
 * the wrong day, its ten-year clocks started from it; an archivist corrects the day with a reason
 * and the clocks are re-dated from the new day (never before the Object Lock allows), the
 * customer's history carries the reason, the trail the before and after; a clerk may not, and a
 * day in the future, before the registration, a stale version or an open account are refused
 * without writing anything. The same correction again changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { Api, archiveDraft, createCustomer, createDraft, planDoc } from './client.ts';
import { useLocalSystem } from './lifecycle.ts';

let api: Api;
let apiUrl = '';

useLocalSystem(async (system) => {
  apiUrl = system.ready.apiUrl;
  api = new Api(apiUrl);
});

const DAY = 86_400_000;
const dayAfter = (day: string, days: number) =>
  new Date(Date.parse(day) + days * DAY).toISOString().slice(0, 10);

async function clockToday(): Promise<string> {
  const res = await fetch(`${apiUrl}/local/clock`);
  return ((await res.json()) as { now: string }).now.slice(0, 10);
}

async function advanceClock(days: number) {
  const res = await fetch(`${apiUrl}/local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: days * 86_400 }),
  });
  if (res.status !== 200) throw new Error(`moving the clock: ${res.status} ${await res.text()}`);
}

const versionOf = async (customerId: string) =>
  (await api.expect<{ version: number }>(200, 'archivist1', 'GET', `/customers/${customerId}`)).version;

interface Correction {
  changed: boolean;
  customer: { closedAt: string; version: number };
  redated: { documentId: string; clockStart: string; dueOn: string }[];
}

const correct = (customerId: string, version: number, body: unknown, user = 'archivist1') =>
  api.call<Correction>(user, 'PUT', `/customers/${customerId}/closure`, body, {
    'if-match': String(version),
  });

describe('a closure date corrected by an archivist', () => {
  it('re-dates the clocks the closure started, with the reason, audited; wrong corrections write nothing', async () => {
    const registered = await clockToday();
    const customerId = await createCustomer(api);
    const open = await correct(customerId, 1, { closedAt: registered, reason: '更正' });
    expect(open.status).toBe(409);
    expect(JSON.stringify(open.body)).toContain("only a closed account's closure date can be corrected");

    // Ten-year documents kept from the account's closure, archived today.
    const draft = await createDraft(api, customerId, 'INFOSVC', [
      planDoc('INFOCHG', 'application/pdf', '客户信息变更单 更正'),
      planDoc('IDCOPY', 'image/jpeg', '身份证复印件 更正'),
      planDoc('BANKAUTH', 'application/pdf', '银行代扣委托书 更正'),
    ]);
    await archiveDraft(api, draft);
    const bank = draft.docs.find((d) => d.docType === 'BANKAUTH')?.documentId ?? '';

    // Forty days on, the clerk closes the account, dated five days after registration by mistake.
    await advanceClock(40);
    const wrongDay = dayAfter(registered, 5);
    await api.expect(
      200,
      'clerk1',
      'PATCH',
      `/customers/${customerId}`,
      { accountStatus: 'CLOSED', closedAt: wrongDay },
      { 'if-match': String(await versionOf(customerId)) },
    );
    const before = await api.expect<{ clockStart: string; dueOn: string }>(
      200,
      'archivist1',
      'GET',
      `/documents/${bank}`,
    );
    expect(before.clockStart.slice(0, 10)).toBe(wrongDay);
    // PATCH cannot re-date a closure; only the correction can.
    const version = await versionOf(customerId);
    const patch = await api.call(
      'archivist1',
      'PATCH',
      `/customers/${customerId}`,
      { closedAt: dayAfter(registered, 20) },
      { 'if-match': String(version) },
    );
    expect(patch.status).toBe(409);

    // Refused, with nothing written: a clerk, no reason, the future, before registration, a stale version.
    const rightDay = dayAfter(registered, 20);
    expect(
      (await correct(customerId, version, { closedAt: rightDay, reason: '更正' }, 'clerk1')).status,
    ).toBe(403);
    const noReason = await correct(customerId, version, { closedAt: rightDay });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toContain('reason');
    const future = await correct(customerId, version, { closedAt: dayAfter(registered, 60), reason: '更正' });
    expect(future.status).toBe(400);
    expect(JSON.stringify(future.body)).toContain('is in the future');
    const early = await correct(customerId, version, { closedAt: dayAfter(registered, -30), reason: '更正' });
    expect(early.status).toBe(400);
    expect(JSON.stringify(early.body)).toContain('the earliest closure date allowed');
    expect((await correct(customerId, version - 1, { closedAt: rightDay, reason: '更正' })).status).toBe(409);
    expect(await versionOf(customerId)).toBe(version);

    // The correction: a new version with the reason, every ten-year clock re-dated from the new day.
    const reason = '销户单日期录错，据原始销户单更正';
    const done = await correct(customerId, version, { closedAt: rightDay, reason });
    expect(done.status).toBe(200);
    expect(done.body.changed).toBe(true);
    expect(done.body.customer).toMatchObject({ closedAt: rightDay, version: version + 1 });
    expect(done.body.redated.map((r) => r.documentId)).toContain(bank);
    const after = await api.expect<{ clockStart: string; dueOn: string }>(
      200,
      'archivist1',
      'GET',
      `/documents/${bank}`,
    );
    expect(after.clockStart.slice(0, 10)).toBe(rightDay);
    expect(after.dueOn).toBe(`${Number(rightDay.slice(0, 4)) + 10}${rightDay.slice(4)}`);

    const history = await api.expect<{ items: { changed: string[]; reason?: string; changedBy: string }[] }>(
      200,
      'archivist1',
      'GET',
      `/customers/${customerId}/history`,
    );
    expect(history.items.at(-1)).toMatchObject({ changed: ['closedAt'], reason, changedBy: 'archivist1' });

    const from = registered;
    const trail = async (action: string) =>
      (
        await api.expect<{
          items: { targetId: string; before?: unknown; after?: unknown; details?: unknown }[];
        }>(200, 'auditor1', 'GET', `/audit?from=${from}&action=${action}&limit=100`)
      ).items;
    const corrected = (await trail('customer.closure-corrected')).find((e) => e.targetId === customerId);
    expect(corrected).toMatchObject({ before: { closedAt: wrongDay }, after: { closedAt: rightDay } });
    expect(JSON.stringify(corrected?.details)).toContain(reason);
    const redated = (await trail('document.retention-corrected')).find((e) => e.targetId === bank);
    expect(redated?.before).toMatchObject({ clockStart: before.clockStart, dueOn: before.dueOn });
    expect(redated?.after).toMatchObject({ clockStart: after.clockStart, dueOn: after.dueOn });

    // The same correction again: nothing changes.
    const again = await correct(customerId, version + 1, { closedAt: rightDay, reason });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ changed: false, redated: [] });
    expect(await versionOf(customerId)).toBe(version + 1);
  });
});
