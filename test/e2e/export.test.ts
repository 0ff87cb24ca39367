/**
 * Export and handover end to end against the local system: a customer's documents are archived,
 * an export of the customer is stopped after two documents and resumed with the command itself,
 * and the bag is checked as a receiver would (`sha256sum -c` inside it, the originals byte for
 * byte, the audit trail of what was read and exported); a second run changes nothing, and a
 * non-archivist is refused. The same bag built in the cloud as a handover package (POST
 * /handovers): ready, downloaded, unzipped and checked against the command's bag file for file;
 * bad selections refused; a package whose original is not the archived one fails naming it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FAILED, Interrupted } from '../../scripts/export/errors.ts';
import { JOURNAL_NAME } from '../../scripts/export/journal.ts';
import { runExport } from '../../scripts/export/run.ts';
import { connect } from '../../scripts/shared/api-client.ts';
import { Api, archiveDraft, changeDocs, createCustomer, createDraft, type PlannedDoc } from './client.ts';
import { useLocalSystem } from './lifecycle.ts';
import { rotArchived } from './local-s3.ts';
import type { LocalSystem } from './system.ts';

const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let system: LocalSystem;
let api: Api;

useLocalSystem(async (started) => {
  system = started;
  api = new Api(system.ready.apiUrl);
});

/** Runs `npm run export`'s entry as a process of its own. */
function exportCommand(args: string[], user: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_DIR, 'scripts', 'export.ts'), ...args],
      { cwd: PROJECT_DIR, env: { ...process.env, DANGAN_API: system.ready.apiUrl, DANGAN_USER: user } },
      (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Every file of a directory with its size, modification time and SHA-256. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const s = statSync(path);
    out[relative(dir, path)] =
      `${s.size} ${s.mtimeMs} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  }
  return out;
}

interface DocView {
  documentId: string;
  archiveCode: string;
  sha256: string;
}

describe('export and handover', () => {
  const out = mkdtempSync(join(tmpdir(), 'dangan-export-'));
  let customerId: string;
  let customerNo: string;
  /** The scans as uploaded, by SHA-256. */
  const uploaded = new Map<string, PlannedDoc>();
  let documents: DocView[];
  let bagDir: string;

  beforeAll(async () => {
    customerId = await createCustomer(api);
    for (const label of ['一', '二']) {
      const draft = await createDraft(api, customerId, 'CHANGE', changeDocs(`导出 ${label}`));
      for (const d of draft.docs) uploaded.set(createHash('sha256').update(d.bytes).digest('hex'), d);
      await archiveDraft(api, draft);
    }
    customerNo = (
      await api.expect<{ customerNo: string }>(200, 'archivist1', 'GET', `/customers/${customerId}`)
    ).customerNo;
    documents = (
      await api.expect<{ items: DocView[] }>(200, 'archivist1', 'GET', `/documents?customerId=${customerId}`)
    ).items;
    expect(documents).toHaveLength(6);
  }, 120_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('stops after two documents, resumes to a bag sha256sum checks, holding the originals byte for byte', async () => {
    const stop = new AbortController();
    let done = 0;
    const client = await connect(
      { DANGAN_API: system.ready.apiUrl, DANGAN_USER: 'archivist1' },
      EXPORT_FAILED,
    );
    await expect(
      runExport({
        out,
        selection: { customers: [customerNo] },
        api: client,
        signal: stop.signal,
        onDocument: () => {
          if (++done === 2) stop.abort();
        },
      }),
    ).rejects.toThrow(Interrupted);
    bagDir = join(out, `dangan-export_${customerNo}`);
    expect(existsSync(join(bagDir, JOURNAL_NAME))).toBe(true);
    expect(existsSync(join(bagDir, 'tagmanifest-sha256.txt'))).toBe(false);

    const resumed = await exportCommand(['--out', out, '--customer', customerNo], 'archivist1');
    expect(resumed.stderr).not.toContain('导出失败');
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout.trim().split('\n').at(-1) as string);
    // The two documents written before the stop were not fetched again.
    expect(summary).toMatchObject({ outcome: 'sealed', customers: 1, documents: 6, fetched: 4 });
    expect(existsSync(join(bagDir, JOURNAL_NAME))).toBe(false);

    // What a receiver runs: every payload line, and every tag file, checks.
    const checked = execFileSync('sha256sum', ['--strict', '-c', 'manifest-sha256.txt'], { cwd: bagDir })
      .toString()
      .trim()
      .split('\n');
    const lines = readFileSync(join(bagDir, 'manifest-sha256.txt'), 'utf8').trim().split('\n');
    expect(checked).toHaveLength(lines.length);
    expect(checked.every((l) => l.endsWith(': OK'))).toBe(true);
    // 6 documents × (original, metadata.json, metadata.xml, history.json), the profile, the two lists.
    expect(lines).toHaveLength(27);
    execFileSync('sha256sum', ['--strict', '-c', 'tagmanifest-sha256.txt'], { cwd: bagDir });
    const info = readFileSync(join(bagDir, 'bag-info.txt'), 'utf8');
    const bytes = lines.reduce((sum, l) => sum + statSync(join(bagDir, l.slice(66))).size, 0);
    expect(info).toContain(`Payload-Oxum: ${bytes}.27\n`);
    expect(info).toContain('Contact-Name: archivist1\n');

    for (const doc of documents) {
      const dir = join(bagDir, 'data', customerNo, doc.archiveCode);
      const original = readdirSync(dir).find((f) => f.startsWith(doc.archiveCode)) as string;
      expect(readFileSync(join(dir, original))).toEqual(uploaded.get(doc.sha256)?.bytes);
      expect(readFileSync(join(dir, 'metadata.xml'), 'utf8')).toContain(
        `<电子文件号>${doc.documentId}</电子文件号>`,
      );
    }
    const csv = readFileSync(join(bagDir, 'data', 'handover-list.csv'), 'utf8');
    expect(csv.startsWith('\ufeff序号 No.')).toBe(true);
    expect(csv.trim().split('\r\n')).toHaveLength(7);
  }, 120_000);

  it('leaves the trail of what was read and what the export held', async () => {
    // One content URL per original: the resumed run fetched none of them a second time.
    for (const doc of documents) {
      const trail = await api.expect<{ items: { action: string }[] }>(
        200,
        'auditor1',
        'GET',
        `/audit?targetId=${doc.documentId}&action=document.content-url`,
      );
      expect(trail.items).toHaveLength(1);
    }
    const exports = await api.expect<{ items: { actorName: string; details: Record<string, unknown> }[] }>(
      200,
      'auditor1',
      'GET',
      `/audit?targetId=${customerId}&action=export.created`,
    );
    expect(exports.items).toHaveLength(1);
    const [event] = exports.items;
    expect(event?.actorName).toBe('archivist1');
    expect(event?.details).toMatchObject({
      part: 1,
      documentCount: 6,
      selection: { customers: [customerNo] },
    });
    const listed = ((event?.details.documents ?? []) as DocView[])
      .map((d) => `${d.archiveCode} ${d.sha256}`)
      .sort();
    expect(listed).toEqual(documents.map((d) => `${d.archiveCode} ${d.sha256}`).sort());
  });

  it('run again, finds the bag complete and changes nothing', async () => {
    const before = snapshot(out);
    const again = await exportCommand(['--out', out, '--customer', customerNo], 'archivist1');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      outcome: 'already-complete',
      documents: 6,
      fetched: 0,
    });
    expect(snapshot(out)).toEqual(before);
  });

  it('refuses a non-archivist, and a part that does not match the archive', async () => {
    const elsewhere = join(out, 'clerk');
    const refused = await exportCommand(['--out', elsewhere, '--customer', customerNo], 'clerk1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('only archivists may export');
    expect(existsSync(elsewhere)).toBe(false);
    const part = {
      exportId: 'e2e-refused',
      bag: `dangan-export_${customerNo}`,
      customerId,
      part: 1,
      selection: { customers: [customerNo] },
      documents: documents
        .slice(0, 1)
        .map((d) => ({ documentId: d.documentId, archiveCode: d.archiveCode, sha256: 'f'.repeat(64) })),
    };
    expect((await api.call('clerk1', 'POST', '/exports', part)).status).toBe(403);
    const mismatch = await api.call<{ error: { message: string } }>('archivist1', 'POST', '/exports', part);
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.error.message).toContain('not the one recorded at intake');
  });

  it('lists the whole archive by year a page at a time, and exports a year without naming customers', async () => {
    const year = Number(/·(\d{4})-/.exec(documents[0]?.archiveCode ?? '')?.[1]);
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const q = new URLSearchParams({ year: String(year), status: 'ARCHIVED', limit: '4' });
      if (nextToken) q.set('nextToken', nextToken);
      const page = await api.expect<{ items: DocView[]; nextToken?: string }>(
        200,
        'archivist1',
        'GET',
        `/documents?${q}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((d) => d.archiveCode));
      nextToken = page.nextToken;
    } while (nextToken);
    // Every code of the year once, in code order.
    expect(seen).toEqual(documents.map((d) => d.archiveCode).sort());
    const other = await api.expect<{ items: DocView[] }>(
      200,
      'archivist1',
      'GET',
      `/documents?year=${year - 1}`,
    );
    expect(other.items).toEqual([]);
    const noYear = await api.call<{ error: { message: string } }>(
      'archivist1',
      'GET',
      '/documents?classCode=BG',
    );
    expect(noYear.status).toBe(400);
    expect(JSON.stringify(noYear.body)).toContain('give year too');

    const whole = join(out, 'year');
    const r = await exportCommand(['--out', whole, '--year', String(year)], 'archivist1');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      outcome: 'sealed',
      customers: 1,
      documents: 6,
    });
    const bag = join(whole, `dangan-export_all_${year}`);
    execFileSync('sha256sum', ['--quiet', '-c', 'manifest-sha256.txt'], { cwd: bag });
    expect(existsSync(join(bag, 'data', customerNo))).toBe(true);
  }, 120_000);

  describe('a handover package built in the cloud (POST /handovers)', () => {
    interface Package {
      handoverId: string;
      status: string;
      bag: string;
      documents: number;
      bytes?: number;
      sha256?: string;
      failure?: { en: string };
      download?: { url: string; expiresAt: string };
    }
    let handoverId: string;
    let zipBytes: Buffer;

    /** Polls the package until it is no longer BUILDING. */
    async function settled(id: string): Promise<Package> {
      for (let i = 0; i < 300; i++) {
        const p = await api.expect<Package>(200, 'archivist1', 'GET', `/handovers/${id}`);
        if (p.status !== 'BUILDING') return p;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`handover ${id} still BUILDING`);
    }

    it('becomes ready; its link gives a ZIP holding the bag the command writes, which validates', async () => {
      const started = await api.expect<Package>(202, 'archivist1', 'POST', '/handovers', {
        customers: [customerNo.toLowerCase()],
      });
      expect(started).toMatchObject({ status: 'BUILDING', bag: `dangan-export_${customerNo}` });
      handoverId = started.handoverId;
      const ready = await settled(handoverId);
      expect(ready, JSON.stringify(ready.failure)).toMatchObject({ status: 'READY', documents: 6 });
      const download = await fetch(ready.download?.url as string);
      expect(download.status).toBe(200);
      zipBytes = Buffer.from(await download.arrayBuffer());
      expect(zipBytes.length).toBe(ready.bytes);
      expect(createHash('sha256').update(zipBytes).digest('hex')).toBe(ready.sha256);

      // Unzipped as a receiver would, it is a bag sha256sum checks.
      const unpacked = join(out, 'package');
      mkdirSync(unpacked);
      writeFileSync(join(unpacked, 'package.zip'), zipBytes);
      execFileSync('unzip', ['-q', 'package.zip'], { cwd: unpacked });
      const bag = join(unpacked, started.bag);
      const checked = execFileSync('sha256sum', ['--strict', '-c', 'manifest-sha256.txt'], { cwd: bag })
        .toString()
        .trim()
        .split('\n');
      expect(checked).toHaveLength(27);
      expect(checked.every((l) => l.endsWith(': OK'))).toBe(true);
      execFileSync('sha256sum', ['--strict', '-c', 'tagmanifest-sha256.txt'], { cwd: bag });
      expect(readFileSync(join(bag, 'bagit.txt'), 'utf8')).toBe(
        'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
      );
      const info = readFileSync(join(bag, 'bag-info.txt'), 'utf8');
      expect(info).toContain(`External-Identifier: ${handoverId}\n`);
      expect(info).toContain('Contact-Name: archivist1\n');
      // The same layout as the command's bag, file for file; what does not name the export's
      // time or id reads the same, byte for byte.
      const files = (dir: string) =>
        Object.keys(snapshot(join(dir, 'data')))
          .filter((f) => !f.endsWith('.zip'))
          .sort();
      expect(files(bag)).toEqual(files(bagDir));
      for (const doc of documents) {
        const dir = join('data', customerNo, doc.archiveCode);
        const original = readdirSync(join(bag, dir)).find((f) => f.startsWith(doc.archiveCode)) as string;
        expect(readFileSync(join(bag, dir, original))).toEqual(uploaded.get(doc.sha256)?.bytes);
        for (const same of ['metadata.json', 'history.json']) {
          expect(readFileSync(join(bag, dir, same), 'utf8'), same).toBe(
            readFileSync(join(bagDir, dir, same), 'utf8'),
          );
        }
      }
      expect(readFileSync(join(bag, 'data', customerNo, 'customer.json'), 'utf8')).toBe(
        readFileSync(join(bagDir, 'data', customerNo, 'customer.json'), 'utf8'),
      );
    }, 120_000);

    it('takes a whole archive year without customers, as the command does', async () => {
      const year = Number(/·(\d{4})-/.exec(documents[0]?.archiveCode ?? '')?.[1]);
      const started = await api.expect<Package>(202, 'archivist1', 'POST', '/handovers', { year });
      expect(started.bag).toBe(`dangan-export_all_${year}`);
      expect(await settled(started.handoverId)).toMatchObject({ status: 'READY', documents: 6 });
    }, 120_000);

    it('names no customer and no year, names a category the scheme lacks, selects nothing: 400, nothing asked for', async () => {
      const before = await api.expect<{ items: Package[] }>(200, 'archivist1', 'GET', '/handovers');
      const refusals: [unknown, string][] = [
        [{}, 'names no customer and no year'],
        [{ customers: ['x'] }, 'must be a customer number'],
        [{ customers: [customerNo], category: 'NOPE' }, 'is not in scheme'],
        [{ customers: ['ZZ99999999'] }, 'no customer ZZ99999999'],
        [{ customers: [customerNo], year: 1999 }, 'holds no archived document'],
      ];
      for (const [body, says] of refusals) {
        const r = await api.call<{ error: { message: string } }>('archivist1', 'POST', '/handovers', body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(JSON.stringify(r.body), JSON.stringify(body)).toContain(says);
      }
      const after = await api.expect<{ items: Package[] }>(200, 'archivist1', 'GET', '/handovers');
      expect(after.items).toHaveLength(before.items.length);
    });

    it('is for archivists; a package that is not there answers as absent', async () => {
      expect((await api.call('clerk1', 'POST', '/handovers', { customers: [customerNo] })).status).toBe(403);
      expect((await api.call('auditor1', 'GET', `/handovers/${handoverId}`)).status).toBe(403);
      expect((await api.call('archivist1', 'GET', '/handovers/no-such-package')).status).toBe(404);
      const mine = await api.expect<{ items: Package[] }>(200, 'archivist1', 'GET', '/handovers');
      const listed = mine.items.find((p) => p.handoverId === handoverId);
      expect(listed).toMatchObject({ status: 'READY', documents: 6 });
      // The list hands out no link.
      expect(mine.items.every((p) => p.download === undefined)).toBe(true);
    });

    it('leaves on record what it held and every link handed out', async () => {
      const trail = await api.expect<{ items: { action: string; actorName: string }[] }>(
        200,
        'auditor1',
        'GET',
        `/audit?targetId=${handoverId}`,
      );
      const actions = trail.items.map((e) => e.action);
      expect(actions).toContain('handover.requested');
      expect(actions).toContain('handover.ready');
      const links = trail.items.filter((e) => e.action === 'handover.link-issued');
      expect(links).toHaveLength(1);
      expect(links[0]?.actorName).toBe('archivist1');
      const exports = await api.expect<{ items: { actorName: string; details: Record<string, unknown> }[] }>(
        200,
        'auditor1',
        'GET',
        `/audit?targetId=${customerId}&action=export.created`,
      );
      const held = exports.items.filter((e) => e.details.handoverId === handoverId);
      expect(held).toHaveLength(1);
      expect(held[0]?.actorName).toBe('archivist1');
      expect(held[0]?.details).toMatchObject({ exportId: handoverId, part: 1, documentCount: 6 });
    });

    it('fails, naming the document, when an original is not the one archived, and records no export', async () => {
      const [rotten] = documents as [DocView];
      const key = `originals/${rotten.documentId}`;
      rotArchived(system, key);
      try {
        const started = await api.expect<Package>(202, 'archivist1', 'POST', '/handovers', {
          customers: [customerNo],
        });
        const failed = await settled(started.handoverId);
        expect(failed.status).toBe('FAILED');
        expect(failed.failure?.en).toContain(`the original of ${rotten.archiveCode} (${rotten.documentId})`);
        expect(failed.download).toBeUndefined();
        const held = await api.expect<{ items: { details: Record<string, unknown> }[] }>(
          200,
          'auditor1',
          'GET',
          `/audit?targetId=${customerId}&action=export.created`,
        );
        expect(held.items.filter((e) => e.details.handoverId === started.handoverId)).toEqual([]);
      } finally {
        rotArchived(system, key);
      }
    }, 120_000);
  });

  it('says how to call it (exit 2) on a usage error, writing nothing', async () => {
    const r = await exportCommand(['--customer', customerNo], 'archivist1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('用法错误');
    expect(r.stderr).toContain('--out <dir> is required');
  });
});
