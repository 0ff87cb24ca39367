import { createReadStream } from 'node:fs';
import { mkdir, opendir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bagInfo, HANDOVER_CSV, HANDOVER_HTML, selectionText } from '../../functions/core/bag-contents.ts';
import {
  BAG_INFO,
  BAGIT,
  BAGIT_TXT,
  MANIFEST,
  manifestLine,
  parseManifestLine,
  payloadOxum,
  TAG_MANIFEST,
} from '../../functions/core/bagit.ts';
import {
  csvHead,
  csvRow,
  type HandoverRow,
  htmlHead,
  htmlRow,
  htmlTail,
} from '../../functions/core/handover-list.ts';
import { writeStreamed } from '../shared/files.ts';
import { ExportFailure } from './errors.ts';
import { hashFile, writeWhole } from './files.ts';
import type { Journal, StartEntry } from './journal.ts';

/**
 * Sealing a bag once every file is in: the handover list, the payload manifest, `bagit.txt`,
 * `bag-info.txt` and, last, the tag manifest. Everything is read back from the journal a line at a
 * time, and sealing again (after a stop in the middle of it) writes the same files.
 */

export interface Sealed {
  customers: number;
  documents: number;
  originalBytes: number;
  payloadBytes: number;
  payloadFiles: number;
}

async function* handoverRows(journal: Journal): AsyncGenerator<HandoverRow> {
  let no = 0;
  for await (const e of journal.entries()) {
    if (e.t !== 'doc') continue;
    no++;
    yield { no, ...e, file: e.original };
  }
}

/** `.part` files a stopped run left of documents no longer in the selection: never payload. */
async function removeStrays(dir: string): Promise<void> {
  for await (const e of await opendir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await removeStrays(path);
    else if (e.name.endsWith('.part')) await rm(path, { force: true });
  }
}

export async function seal(bagDir: string, journal: Journal, start: StartEntry, at: string): Promise<Sealed> {
  await mkdir(join(bagDir, 'data'), { recursive: true });
  await removeStrays(join(bagDir, 'data'));
  let customers = 0;
  let documents = 0;
  let originalBytes = 0;
  for await (const e of journal.entries()) {
    if (e.t === 'customer') customers++;
    if (e.t === 'doc') {
      documents++;
      originalBytes += e.bytes;
    }
  }
  const baggingDate = at.slice(0, 10);
  const csv = await writeStreamed(
    join(bagDir, HANDOVER_CSV),
    (async function* () {
      yield csvHead();
      for await (const row of handoverRows(journal)) yield csvRow(row);
    })(),
  );
  const meta = {
    bag: start.bag,
    exportId: start.exportId,
    exportedBy: start.exportedBy,
    baggingDate,
    selection: selectionText(start.selection),
    customers,
    documents,
    bytes: originalBytes,
  };
  const html = await writeStreamed(
    join(bagDir, HANDOVER_HTML),
    (async function* () {
      yield htmlHead(meta);
      for await (const row of handoverRows(journal)) yield htmlRow(row);
      yield htmlTail();
    })(),
  );

  let payloadBytes = 0;
  let payloadFiles = 0;
  await writeStreamed(
    join(bagDir, MANIFEST),
    (async function* () {
      for await (const e of journal.entries()) {
        if (e.t !== 'customer' && e.t !== 'doc') continue;
        for (const f of e.files) {
          payloadBytes += f.bytes;
          payloadFiles++;
          yield manifestLine(f.sha256, f.path);
        }
      }
      for (const [path, f] of [
        [HANDOVER_CSV, csv],
        [HANDOVER_HTML, html],
      ] as const) {
        payloadBytes += f.bytes;
        payloadFiles++;
        yield manifestLine(f.sha256, path);
      }
    })(),
  );
  await writeWhole(join(bagDir, BAGIT), BAGIT_TXT);
  await writeWhole(
    join(bagDir, BAG_INFO),
    bagInfo({
      ...start,
      sealedAt: at,
      customers,
      documents,
      originalBytes,
      payloadBytes,
      payloadFiles,
    }),
  );
  const tags: string[] = [];
  for (const name of [BAGIT, BAG_INFO, MANIFEST])
    tags.push(manifestLine((await hashFile(join(bagDir, name))).sha256, name));
  // Written last: a bag with its tag manifest and no journal is complete.
  await writeWhole(join(bagDir, TAG_MANIFEST), tags.join(''));
  return { customers, documents, originalBytes, payloadBytes, payloadFiles };
}

async function* manifestEntries(path: string) {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const parsed = parseManifestLine(line);
    if (!parsed)
      throw new ExportFailure(`清单中有无法读取的行：${line}`, `a manifest line does not read: ${line}`);
    yield parsed;
  }
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for await (const e of await opendir(dir)) {
    if (e.isDirectory()) n += await countFiles(join(dir, e.name));
    else n++;
  }
  return n;
}

export interface Checked {
  customers: number;
  documents: number;
  payloadBytes: number;
  payloadFiles: number;
}

const mismatch = (path: string) =>
  new ExportFailure(`${path} 与清单中的 SHA-256 不符`, `${path} does not match its SHA-256 in the manifest`);

/**
 * Checks a bag as a receiver would: the declaration, every payload file against the payload
 * manifest (and no file under data/ left out of it), the Payload-Oxum, and the tag manifest.
 * Reads every byte; holds one manifest line at a time.
 */
export async function verifyBag(bagDir: string): Promise<Checked> {
  const declaration = await readFile(join(bagDir, BAGIT), 'utf8').catch(() => '');
  if (!declaration.startsWith('BagIt-Version: 1.0')) {
    throw new ExportFailure(`${bagDir} 不是 BagIt 1.0 包`, `${bagDir} is not a BagIt 1.0 bag`);
  }
  let payloadBytes = 0;
  let payloadFiles = 0;
  for await (const { sha256, path } of manifestEntries(join(bagDir, MANIFEST))) {
    if (!path.startsWith('data/')) throw mismatch(path);
    const actual = await hashFile(join(bagDir, path)).catch(() => undefined);
    if (actual?.sha256 !== sha256) throw mismatch(path);
    payloadBytes += actual.bytes;
    payloadFiles++;
  }
  const present = await countFiles(join(bagDir, 'data'));
  if (present !== payloadFiles) {
    throw new ExportFailure(
      `data/ 中有 ${present} 个文件，清单列出 ${payloadFiles} 个`,
      `data/ holds ${present} files, the manifest lists ${payloadFiles}`,
    );
  }
  const info = await readFile(join(bagDir, BAG_INFO), 'utf8');
  const oxum = /^Payload-Oxum: (\S+)$/m.exec(info)?.[1];
  if (oxum !== payloadOxum(payloadBytes, payloadFiles)) {
    throw new ExportFailure(
      `Payload-Oxum ${oxum} 与内容 ${payloadOxum(payloadBytes, payloadFiles)} 不符`,
      `Payload-Oxum ${oxum} does not match the payload, ${payloadOxum(payloadBytes, payloadFiles)}`,
    );
  }
  for await (const { sha256, path } of manifestEntries(join(bagDir, TAG_MANIFEST))) {
    const actual = await hashFile(join(bagDir, path)).catch(() => undefined);
    if (actual?.sha256 !== sha256) throw mismatch(path);
  }
  const count = (label: string) => Number(new RegExp(`^${label}: (\\d+)$`, 'm').exec(info)?.[1] ?? 0);
  return {
    customers: count('Dangan-Customers'),
    documents: count('Dangan-Documents'),
    payloadBytes,
    payloadFiles,
  };
}

/** Whether `bagDir` holds a sealed bag (its tag manifest is written last). */
export const isSealed = async (bagDir: string): Promise<boolean> =>
  stat(join(bagDir, TAG_MANIFEST)).then(
    (s) => s.isFile(),
    () => false,
  );
