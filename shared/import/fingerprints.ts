/**
 * Which keys the catalogue has shown so far (a customer and file, a scan's SHA-256, a legacy
 * code), and on which row, in little memory: each key is kept as a 64-bit fingerprint with its
 * row number and a 32-bit tag in typed arrays, 16 bytes a key, open-addressed. A million rows'
 * keys take tens of megabytes, not the hundreds their strings would. Two different keys share a
 * fingerprint with a chance of about n²/2⁶⁵ (one in ten million for three million keys); such a
 * pair is reported as a duplicate naming the other row, never passed over. The hash is plain
 * arithmetic, not a library's, so the console's checks (in a browser, where a digest is
 * asynchronous) and the command's find the same duplicates.
 */

/**
 * Three 32-bit multiply-xor hashes of a text's UTF-16 units (cyrb53's mixing, three seeds): the
 * first two are the 64-bit fingerprint, the third a tag.
 */
export function hashes(text: string): [number, number, number] {
  const seeds = [0x9e3779b9, 0x85ebca6b, 0xc2b2ae35];
  return seeds.map((seed) => {
    let h1 = 0xdeadbeef ^ seed;
    let h2 = 0x41c6ce57 ^ seed;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (h1 ^ h2) >>> 0;
  }) as [number, number, number];
}

export interface Seen {
  row: number;
  tag: number;
}

export class FingerprintTable {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  /** 0: an empty slot (rows are numbered from 1). */
  private rows = new Uint32Array(1024);
  private tags = new Uint32Array(1024);
  private count = 0;

  /** A 32-bit tag of a text (what a key came with, e.g. a customer's name and type). */
  static tagOf(text: string): number {
    return hashes(text)[2];
  }

  /** The row that showed `key` first, with its tag; or undefined, and then `row` holds it. */
  claim(key: string, row: number, tag = 0): Seen | undefined {
    if ((this.count + 1) * 4 > this.rows.length * 3) this.grow();
    const [hi, lo] = hashes(key);
    const slot = this.find(hi, lo);
    if (this.rows[slot] !== 0) return { row: this.rows[slot] as number, tag: this.tags[slot] as number };
    this.put(slot, hi, lo, row, tag);
    this.count++;
    return undefined;
  }

  get size(): number {
    return this.count;
  }

  private find(hi: number, lo: number): number {
    const mask = this.rows.length - 1;
    let slot = (hi ^ lo) & mask;
    while (this.rows[slot] !== 0 && (this.hi[slot] !== hi || this.lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  private put(slot: number, hi: number, lo: number, row: number, tag: number): void {
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.rows[slot] = row;
    this.tags[slot] = tag;
  }

  private grow(): void {
    const [hi, lo, rows, tags] = [this.hi, this.lo, this.rows, this.tags];
    const size = rows.length * 2;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.rows = new Uint32Array(size);
    this.tags = new Uint32Array(size);
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] === 0) continue;
      const slot = this.find(hi[i] as number, lo[i] as number);
      this.put(slot, hi[i] as number, lo[i] as number, rows[i] as number, tags[i] as number);
    }
  }
}
