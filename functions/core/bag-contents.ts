import { parseArchiveCode } from './archive-code.ts';
import { bagInfoText, bagSize, payloadOxum } from './bagit.ts';
import { eepXml } from './dat48.ts';
import { archivedFileName } from './file-names.ts';
import type { HandoverRow } from './handover-list.ts';

/**
 * What a handover bag holds and how each file reads, the same whoever writes it: the export
 * command on a disk (scripts/export/) and the package built in the cloud as a ZIP
 * (services/handover-build.ts). Pure: the writers fetch the records and the originals and hand
 * them here, and write what comes back.
 *
 * ```
 * <bag>/data/<customerNo>/customer.json
 * <bag>/data/<customerNo>/<archive code>/<archive code>.<ext>   the original
 * <bag>/data/<customerNo>/<archive code>/metadata.json | metadata.xml | history.json
 * <bag>/data/handover-list.csv | handover-list.html
 * ```
 */

/** What an archivist asked to hand over (customer numbers upper-cased). */
export interface Selection {
  /** None: every customer with documents of `year`. */
  customers: string[];
  year?: number;
  category?: string;
}

/** The parts of the classification scheme a bag needs (`GET /scheme` answers with them). */
export interface SchemeInfo {
  id: string;
  fonds: string;
  category: string;
  codeTemplate: string;
  name: { zh: string; en: string };
  businessEvents: { code: string; classCode: string; name: { zh: string; en: string } }[];
  documentTypes: { code: string; name: { zh: string; en: string } }[];
}

export interface CustomerRef {
  customerId: string;
  customerNo: string;
  name: string;
}

/** The fields of a document a bag reads (the API's document view has them all). */
export interface BagDocument {
  documentId: string;
  customerId: string;
  status: string;
  archiveCode?: string;
  title: string;
  docType: string;
  businessEvent: string;
  contentType: string;
  sniffedType?: string;
  sensitive: boolean;
  sha256: string;
  size: number;
  receivedSize?: number;
  archivedAt?: string;
  retentionCode?: string;
  location?: { room: string; cabinet: string; box: string };
}

/** A document version as its history lists it (the API's document version view). */
export interface BagVersion {
  changedAt: string;
  changedBy: string;
  kind: string;
  status?: { from?: string; to: string | null };
  changed: readonly string[];
}

/** Codes a selection's category may be: the scheme's own category, a class code or a business event. */
export const knownCategories = (scheme: SchemeInfo): string[] => [
  ...new Set([
    scheme.category,
    ...scheme.businessEvents.map((e) => e.classCode),
    ...scheme.businessEvents.map((e) => e.code),
  ]),
];

/** The class code a category narrows the archive-code listing to; none for the whole category. */
export function classCodeOf(scheme: SchemeInfo, category: string | undefined): string | undefined {
  if (category === undefined || category === scheme.category) return undefined;
  return scheme.businessEvents.find((e) => e.code === category)?.classCode ?? category;
}

/** Whether a document falls in the selection's year and category (archived documents only). */
export function inSelection(
  scheme: SchemeInfo,
  selection: Selection,
  doc: Pick<BagDocument, 'status' | 'archiveCode' | 'businessEvent'>,
): boolean {
  if (doc.status !== 'ARCHIVED' || doc.archiveCode === undefined) return false;
  const parts = parseArchiveCode(scheme.codeTemplate, doc.archiveCode);
  if (selection.year !== undefined && parts?.year !== selection.year) return false;
  const c = selection.category;
  if (c === undefined || c === scheme.category) return true;
  return parts?.classCode === c || doc.businessEvent === c;
}

/**
 * The bag's directory name, made of the selection alone, so the same selection finds the same
 * bag (to resume it, or to find it complete). A long list of customers is cut and marked with a
 * digest of the whole list, so two selections never share a name.
 */
export function bagNameOf(selection: Selection, digest: (text: string) => string): string {
  const customers = [...selection.customers].sort();
  let who = customers.length === 0 ? 'all' : customers.join('+');
  if (who.length > 80)
    who = `${customers[0]}+${customers.length - 1}-more-${digest(customers.join(',')).slice(0, 12)}`;
  const parts = ['dangan-export', who];
  if (selection.year !== undefined) parts.push(String(selection.year));
  if (selection.category !== undefined) parts.push(selection.category);
  return parts.join('_');
}

/** How a selection reads in the bag's records. */
export function selectionText(s: Selection): string {
  return [
    `customers ${s.customers.join(' ')}`,
    ...(s.year === undefined ? [] : [`year ${s.year}`]),
    ...(s.category === undefined ? [] : [`category ${s.category}`]),
  ].join('; ');
}

export const HANDOVER_CSV = 'data/handover-list.csv';
export const HANDOVER_HTML = 'data/handover-list.html';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A file of the bag written from text. */
export interface TextFile {
  path: string;
  text: string;
}

/** `data/<customerNo>/customer.json`: the profile (as the archivist reads it) and every version. */
export const customerFile = (
  customerNo: string,
  profile: unknown,
  history: readonly unknown[],
): TextFile => ({
  path: `data/${customerNo}/customer.json`,
  text: json({ profile, history }),
});

/** Where a document's original goes, and what it is expected to be. */
export interface OriginalPlace {
  code: string;
  fileName: string;
  /** The document's directory, `data/<customerNo>/<archive code>`. */
  dir: string;
  /** The original's path in the bag. */
  path: string;
  contentType: string;
  /** The SHA-256 and length recorded at intake: the original must have exactly these. */
  expected: { sha256: string; bytes: number };
}

export function originalPlace(customer: Pick<CustomerRef, 'customerNo'>, doc: BagDocument): OriginalPlace {
  const code = doc.archiveCode ?? doc.documentId;
  const contentType = doc.sniffedType ?? doc.contentType;
  const fileName = archivedFileName(code, contentType);
  const dir = `data/${customer.customerNo}/${fileName.slice(0, fileName.lastIndexOf('.'))}`;
  return {
    code,
    fileName,
    dir,
    path: `${dir}/${fileName}`,
    contentType,
    expected: { sha256: doc.sha256, bytes: doc.receivedSize ?? doc.size },
  };
}

/**
 * The files beside a document's original (metadata as JSON and as DA/T 48 XML, its history) and
 * its row of the handover list without its number.
 */
export function documentFiles(args: {
  scheme: SchemeInfo;
  /** When the bag was begun: the packages' creation time. */
  startedAt: string;
  customer: CustomerRef;
  doc: BagDocument;
  /** The document's history as the API answers it (`{documentId, status, items}`). */
  history: { documentId: string; status: string; items: readonly BagVersion[] };
}): { place: OriginalPlace; files: TextFile[]; row: Omit<HandoverRow, 'no'> } {
  const { scheme, customer, doc, history } = args;
  const place = originalPlace(customer, doc);
  const docTypeName = scheme.documentTypes.find((t) => t.code === doc.docType)?.name.zh;
  const event = scheme.businessEvents.find((e) => e.code === doc.businessEvent);
  const parts = parseArchiveCode(scheme.codeTemplate, place.code);
  const xml = eepXml({
    createdAt: args.startedAt,
    creator: `全宗 ${scheme.fonds} · Dangan`,
    document: {
      documentId: doc.documentId,
      archiveCode: place.code,
      title: doc.title,
      docType: doc.docType,
      businessEvent: doc.businessEvent,
      contentType: place.contentType,
      sensitive: doc.sensitive,
      ...(docTypeName === undefined ? {} : { docTypeName }),
      ...(event === undefined ? {} : { businessEventName: event.name.zh }),
      ...(doc.archivedAt === undefined ? {} : { archivedAt: doc.archivedAt }),
      ...(doc.retentionCode === undefined ? {} : { retentionCode: doc.retentionCode }),
      ...(doc.location === undefined ? {} : { location: doc.location }),
    },
    ...(parts === undefined ? {} : { code: parts }),
    customer: { customerNo: customer.customerNo, name: customer.name },
    original: { fileName: place.fileName, ...place.expected },
    history: history.items,
  });
  const metadata = {
    document: doc,
    customer,
    original: { path: place.path, contentType: place.contentType, ...place.expected },
  };
  return {
    place,
    files: [
      { path: `${place.dir}/metadata.json`, text: json(metadata) },
      { path: `${place.dir}/metadata.xml`, text: xml },
      { path: `${place.dir}/history.json`, text: json(history) },
    ],
    row: {
      customerNo: customer.customerNo,
      archiveCode: place.code,
      title: doc.title,
      docType: docTypeName ?? doc.docType,
      date: (doc.archivedAt ?? '').slice(0, 10),
      retentionCode: doc.retentionCode ?? '',
      bytes: place.expected.bytes,
      sha256: place.expected.sha256,
      file: place.path,
    },
  };
}

/** What `bag-info.txt` says of a bag. */
export interface BagInfo {
  /** The fonds and the scheme (Source-Organization). */
  source: string;
  exportedBy: string;
  exportId: string;
  bag: string;
  selection: Selection;
  startedAt: string;
  sealedAt: string;
  customers: number;
  documents: number;
  originalBytes: number;
  payloadBytes: number;
  payloadFiles: number;
}

/** `bag-info.txt` of a sealed bag. */
export function bagInfo(info: BagInfo): string {
  const { selection } = info;
  return bagInfoText([
    ['Source-Organization', info.source],
    ['Contact-Name', info.exportedBy],
    ['External-Identifier', info.exportId],
    ['External-Description', `移交 handover: ${selectionText(selection)}`],
    ['Internal-Sender-Identifier', info.bag],
    ['Bagging-Date', info.sealedAt.slice(0, 10)],
    ['Bag-Size', bagSize(info.payloadBytes)],
    ['Payload-Oxum', payloadOxum(info.payloadBytes, info.payloadFiles)],
    ['Bag-Count', '1 of 1'],
    ['Dangan-Export-Started', info.startedAt],
    ['Dangan-Export-Sealed', info.sealedAt],
    ['Dangan-Selection-Customers', selection.customers.join(' ')],
    ...(selection.year === undefined ? [] : [['Dangan-Selection-Year', String(selection.year)] as const]),
    ...(selection.category === undefined ? [] : [['Dangan-Selection-Category', selection.category] as const]),
    ['Dangan-Customers', String(info.customers)],
    ['Dangan-Documents', String(info.documents)],
    ['Dangan-Original-Bytes', String(info.originalBytes)],
  ]);
}

/** The bag's Source-Organization: the fonds and the scheme. */
export const bagSource = (scheme: SchemeInfo): string =>
  `${scheme.name.zh} / ${scheme.name.en}, 全宗 fonds ${scheme.fonds}`;
