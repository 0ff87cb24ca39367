import { appendAudit, auditClearRead, SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getCustomer, listVersions } from '../adapters/customers-repo.ts';
import { listDocumentVersions } from '../adapters/document-versions.ts';
import { schemeId } from '../adapters/env.ts';
import { HandoverZip } from '../adapters/handover-zip.ts';
import { finishHandover, getHandover } from '../adapters/handovers-repo.ts';
import { readArchivedOriginal } from '../adapters/storage.ts';
import {
  bagInfo,
  bagSource,
  type CustomerRef,
  customerFile,
  documentFiles,
  HANDOVER_CSV,
  HANDOVER_HTML,
  selectionText,
} from '../core/bag-contents.ts';
import { BAG_INFO, BAGIT, BAGIT_TXT, MANIFEST, manifestLine, TAG_MANIFEST } from '../core/bagit.ts';
import { now } from '../core/clock.ts';
import { customerView, versionView } from '../core/customers.ts';
import { documentHistoryItems } from '../core/document-history.ts';
import { archivedOriginal, type DocumentRecord, documentView } from '../core/documents.ts';
import { exportEventDetails, MAX_EXPORT_PART_DOCUMENTS } from '../core/exports.ts';
import { csvHead, csvRow, type HandoverRow, htmlHead, htmlRow, htmlTail } from '../core/handover-list.ts';
import {
  DEADLINE_PASSED,
  type Handover,
  type HandoverFailure,
  handoverStatus,
  MAX_HANDOVER_DOCUMENTS,
} from '../core/handovers.ts';
import { customerHistoryForActor, maskForActor } from '../core/masking.ts';
import { getScheme, type Scheme } from '../core/scheme.ts';
import { selectedDocuments } from './handover-selection.ts';

/**
 * Builds a handover package: the bag the export command writes (core/bag-contents.ts), as one ZIP
 * streamed into the archive bucket (adapters/handover-zip.ts). The records are read as the
 * requester reads them through the API (their role decides what is masked); each original is read
 * as a stream from its locked version and its SHA-256 and length checked as it passes against those
 * recorded at intake: a mismatch fails the package, naming the document. What the package holds is
 * recorded as the command records it (`export.created`, per customer in parts of 500, with the
 * package's id as the export id) before the upload is completed and the package READY.
 */

/** A failure the package's requester is told of (the package is FAILED with it, not retried). */
class PackageFailure extends Error {
  constructor(readonly failure: HandoverFailure) {
    super(failure.en);
  }
}

interface Written {
  customers: number;
  documents: number;
  originalBytes: number;
  payloadFiles: number;
  payloadBytes: number;
}

export async function buildHandover(handoverId: string): Promise<{ status: string }> {
  const handover = await getHandover(handoverId);
  if (handover?.status !== 'BUILDING') return { status: handover?.status ?? 'MISSING' };
  if (handoverStatus(handover, now()) === 'FAILED') return end(handover, DEADLINE_PASSED);
  const zip = await HandoverZip.open(handover.key);
  try {
    const written = await writeBag(zip, handover, getScheme(schemeId()));
    const packaged = await zip.finish();
    await finishHandover(
      handoverId,
      { status: 'READY', result: { ...written, bytes: packaged.bytes, sha256: packaged.sha256 } },
      now().toISOString(),
      {
        action: 'handover.ready',
        actor: SYSTEM_ACTOR,
        targetType: 'handover',
        targetId: handoverId,
        details: {
          ...written,
          bytes: packaged.bytes,
          sha256: packaged.sha256,
          requestId: handover.requestId,
        },
      },
    );
    return { status: 'READY' };
  } catch (err) {
    await zip.abort().catch(() => undefined);
    if (err instanceof PackageFailure) return end(handover, err.failure);
    throw err;
  }
}

/** The workflow's Catch: the build died (timed out, crashed); the package fails saying so. */
export async function failHandover(handoverId: string, error: string): Promise<{ status: string }> {
  const handover = await getHandover(handoverId);
  if (handover?.status !== 'BUILDING') return { status: handover?.status ?? 'MISSING' };
  return end(handover, {
    code: 'build-stopped',
    zh: `打包中断（${error}）；请重新发起`,
    en: `the build stopped (${error}); ask for the package again`,
  });
}

async function end(handover: Handover, failure: HandoverFailure): Promise<{ status: string }> {
  await finishHandover(handover.handoverId, { status: 'FAILED', failure }, now().toISOString(), {
    action: 'handover.failed',
    actor: SYSTEM_ACTOR,
    targetType: 'handover',
    targetId: handover.handoverId,
    details: { failure, requestId: handover.requestId },
  });
  return { status: 'FAILED' };
}

/** Writes every file of the bag into the ZIP, then records what it holds; returns its figures. */
async function writeBag(zip: HandoverZip, h: Handover, scheme: Scheme): Promise<Written> {
  const actor = h.requestedBy;
  const manifest: string[] = [];
  const rows: HandoverRow[] = [];
  const recorded: { customer: CustomerRef; documents: DocumentRecord[] }[] = [];
  const totals = { customers: 0, documents: 0, originalBytes: 0, payloadFiles: 0, payloadBytes: 0 };
  const listed = (path: string, f: { sha256: string; bytes: number }) => {
    manifest.push(manifestLine(f.sha256, path));
    totals.payloadFiles++;
    totals.payloadBytes += f.bytes;
  };
  const addPayload = async (path: string, text: string) =>
    listed(path, await zip.addText(`${h.bag}/${path}`, text));

  for (const customerId of h.plan.customerIds) {
    const customer = await getCustomer(customerId);
    if (!customer) throw new PackageFailure(gone('customer', customerId));
    const profile = maskForActor(scheme, actor, customerView(customer));
    const history = customerHistoryForActor(scheme, actor, (await listVersions(customerId)).map(versionView));
    const ref: CustomerRef = { customerId, customerNo: customer.customerNo, name: profile.value.name };
    const file = customerFile(customer.customerNo, profile.value, history.items);
    await addPayload(file.path, file.text);
    // The profile and its history are shown in clear to the package's requester: audited as the
    // reads of the API are.
    const revealed = [...new Set([...profile.revealed, ...history.revealed])];
    await auditClearRead({
      action: 'customer.read-unmasked',
      actor,
      targetType: 'customer',
      targetId: customerId,
      revealed,
      details: { version: customer.version, handoverId: h.handoverId, requestId: h.requestId },
    });
    totals.customers++;

    const documents: DocumentRecord[] = [];
    for await (const doc of selectedDocuments(scheme, h.selection, customerId)) {
      if (totals.documents >= MAX_HANDOVER_DOCUMENTS) throw new PackageFailure(grown());
      const view = documentView(doc, scheme, actor);
      const versions = documentHistoryItems(await listDocumentVersions(doc.documentId), view.masked);
      const { place, files, row } = documentFiles({
        scheme,
        startedAt: h.createdAt,
        customer: ref,
        doc: view,
        history: { documentId: doc.documentId, status: doc.status, items: versions },
      });
      const locked = archivedOriginal(doc);
      if (!locked) throw new PackageFailure(gone('original of', place.code));
      const original = await zip.addStream(
        `${h.bag}/${place.path}`,
        await readArchivedOriginal(locked.key, locked.versionId),
      );
      if (original.sha256 !== place.expected.sha256 || original.bytes !== place.expected.bytes) {
        throw new PackageFailure(mismatch(place.code, doc.documentId, original, place.expected));
      }
      listed(place.path, original);
      for (const f of files) await addPayload(f.path, f.text);
      rows.push({ no: rows.length + 1, ...row });
      documents.push(doc);
      totals.documents++;
      totals.originalBytes += original.bytes;
    }
    recorded.push({ customer: ref, documents });
  }

  const meta = {
    bag: h.bag,
    exportId: h.handoverId,
    exportedBy: actor.username,
    baggingDate: now().toISOString().slice(0, 10),
    selection: selectionText(h.selection),
    customers: totals.customers,
    documents: totals.documents,
    bytes: totals.originalBytes,
  };
  await addPayload(HANDOVER_CSV, csvHead() + rows.map(csvRow).join(''));
  await addPayload(HANDOVER_HTML, htmlHead(meta) + rows.map(htmlRow).join('') + htmlTail());

  const tags: string[] = [];
  const addTag = async (name: string, text: string) =>
    tags.push(manifestLine((await zip.addText(`${h.bag}/${name}`, text)).sha256, name));
  await addTag(BAGIT, BAGIT_TXT);
  await addTag(
    BAG_INFO,
    bagInfo({
      source: bagSource(scheme),
      exportedBy: actor.username,
      exportId: h.handoverId,
      bag: h.bag,
      selection: h.selection,
      startedAt: h.createdAt,
      sealedAt: now().toISOString(),
      ...totals,
    }),
  );
  await addTag(MANIFEST, manifest.join(''));
  await zip.addText(`${h.bag}/${TAG_MANIFEST}`, tags.join(''));

  await recordExport(h, recorded);
  return totals;
}

/**
 * `export.created` per customer and part of at most 500 documents, as `POST /exports` records
 * the command's bags (a customer with none selected is recorded too: its profile is in the bag).
 */
async function recordExport(
  h: Handover,
  recorded: readonly { customer: CustomerRef; documents: DocumentRecord[] }[],
): Promise<void> {
  for (const { customer, documents } of recorded) {
    let part = 0;
    for (let i = 0; i === 0 || i < documents.length; i += MAX_EXPORT_PART_DOCUMENTS) {
      const docs = documents.slice(i, i + MAX_EXPORT_PART_DOCUMENTS);
      part++;
      const input = {
        exportId: h.handoverId,
        bag: h.bag,
        customerId: customer.customerId,
        part,
        selection: h.selection,
        documents: docs.map((d) => ({
          documentId: d.documentId,
          archiveCode: d.archiveCode ?? d.documentId,
          sha256: d.sha256,
        })),
      };
      await appendAudit({
        action: 'export.created',
        actor: h.requestedBy,
        targetType: 'customer',
        targetId: customer.customerId,
        details: {
          ...exportEventDetails(input, customer.customerNo, docs, h.requestId),
          handoverId: h.handoverId,
        },
      });
    }
  }
}

const gone = (what: string, id: string): HandoverFailure => ({
  code: 'gone',
  zh: `${what === 'customer' ? '客户' : '原件'} ${id} 已不存在`,
  en: `${what} ${id} no longer exists`,
});

const grown = (): HandoverFailure => ({
  code: 'too-big',
  zh: `所选范围在打包时已超过 ${MAX_HANDOVER_DOCUMENTS} 件`,
  en: `the selection grew past ${MAX_HANDOVER_DOCUMENTS} documents while the package was built`,
});

function mismatch(
  code: string,
  documentId: string,
  got: { sha256: string; bytes: number },
  expected: { sha256: string; bytes: number },
): HandoverFailure {
  return {
    code: 'checksum-mismatch',
    zh: `${code}（${documentId}）的原件与归档记录不符：SHA-256 ${got.sha256}（${got.bytes} 字节），记录为 ${expected.sha256}（${expected.bytes} 字节）`,
    en: `the original of ${code} (${documentId}) is not the archived one: SHA-256 ${got.sha256} (${got.bytes} bytes), recorded ${expected.sha256} (${expected.bytes} bytes)`,
  };
}
