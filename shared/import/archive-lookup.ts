import type { ImportScheme } from './scheme-terms.ts';

/**
 * What the archive already holds, asked of the API as any client asks it (the import never reads
 * tables or buckets): a customer by number (`GET /customers?q=`), a customer's documents
 * (`GET /documents?customerId=`, to find a scan held already by its SHA-256), and the owner of an
 * archive code (`GET /documents?archiveCode=`). Answers are kept for the customers seen last, so a
 * catalogue sorted by customer asks about each customer once; concurrent rows of one customer
 * share one request.
 */

export interface CustomerOnRecord {
  customerId: string;
  customerNo: string;
  name: string;
  type: string;
  region: string;
}

export interface DocumentOnRecord {
  documentId: string;
  customerId: string;
  submissionId: string;
  status: string;
  sha256: string;
  archiveCode?: string;
}

/**
 * The API as the checks ask it: the command's client and the console's both answer a GET with its
 * JSON and throw an error carrying the HTTP `status` when refused.
 */
export interface ApiReader {
  get<T>(path: string): Promise<T>;
}

const statusOf = (err: unknown): unknown => (err as { status?: unknown } | null)?.status;

/** The owner of a code: a document, one outside the caller's regions, or nobody. */
export type CodeOwner = DocumentOnRecord | 'outside-regions' | undefined;

/** Customers whose answers are kept. */
export const CACHED_CUSTOMERS = 2000;
const PAGE = 500;

/** A map that forgets its oldest entries past `limit`. */
class Recent<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string, make: () => V): V {
    const had = this.map.get(key);
    if (had !== undefined) return had;
    const value = make();
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
    return value;
  }
}

export class ArchiveLookup {
  private readonly customers = new Recent<Promise<CustomerOnRecord | undefined>>(CACHED_CUSTOMERS);
  private readonly documents = new Recent<Promise<Map<string, DocumentOnRecord>>>(CACHED_CUSTOMERS);

  constructor(
    private readonly api: ApiReader,
    private readonly scheme: ImportScheme,
  ) {}

  /** The customer with this number, as far as the caller's regions show it. */
  customer(customerNo: string): Promise<CustomerOnRecord | undefined> {
    return this.customers.get(customerNo, async () => {
      const found = await this.api.get<{ items: CustomerOnRecord[]; matchedBy?: string }>(
        `/customers?q=${encodeURIComponent(customerNo)}&limit=1`,
      );
      const listed = found.matchedBy === 'customerNo' ? found.items[0] : undefined;
      if (!listed || listed.customerNo !== customerNo) return undefined;
      // Listings mask the scheme's sensitive fields; where the name is one, the profile (an
      // audited read) is what can be compared.
      if (!this.scheme.sensitiveFields.includes('name')) return listed;
      return this.api.get<CustomerOnRecord>(`/customers/${encodeURIComponent(listed.customerId)}`);
    });
  }

  /** The customer's documents not disposed of, by SHA-256. */
  heldScans(customerId: string): Promise<Map<string, DocumentOnRecord>> {
    return this.documents.get(customerId, async () => {
      const held = new Map<string, DocumentOnRecord>();
      let nextToken: string | undefined;
      do {
        const query = new URLSearchParams({ customerId, limit: String(PAGE) });
        if (nextToken !== undefined) query.set('nextToken', nextToken);
        const page = await this.api.get<{ items: DocumentOnRecord[]; nextToken?: string }>(
          `/documents?${query}`,
        );
        for (const doc of page.items) {
          // An archived copy wins over one still in intake.
          if (doc.status !== 'DISPOSED' && held.get(doc.sha256)?.status !== 'ARCHIVED')
            held.set(doc.sha256, doc);
        }
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      return held;
    });
  }

  /** Who holds an archive code. A 404 is a code held by a customer outside the caller's regions. */
  async codeOwner(code: string): Promise<CodeOwner> {
    try {
      const found = await this.api.get<{ items: DocumentOnRecord[] }>(
        `/documents?archiveCode=${encodeURIComponent(code)}`,
      );
      return found.items[0];
    } catch (err) {
      if (statusOf(err) === 404) return 'outside-regions';
      throw err;
    }
  }
}
