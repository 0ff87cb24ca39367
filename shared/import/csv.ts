import type { SheetRow } from './cells.ts';

/**
 * Catalogues as CSV (RFC 4180: fields in double quotes may hold commas, line breaks and doubled
 * quotes), read a piece at a time so a catalogue of any length never sits in memory. A digitisation
 * contractor's CSV comes in UTF-8 (with or without a byte-order mark) or, saved by a Chinese
 * spreadsheet, in GB18030: a file that is valid UTF-8 throughout is read as UTF-8, anything else as
 * GB18030 (the WHATWG decoder: Node's with full ICU, every browser's). Chinese text in GB18030 is
 * practically never valid UTF-8, while plain ASCII reads the same either way. The bytes come from
 * whoever reads the file (a file on disk, a file chosen in a browser), as chunks, twice: once to
 * tell the encoding, once to parse.
 */

export type CsvEncoding = 'utf-8' | 'gb18030';

/** The file's bytes, a chunk at a time, read afresh each time it is called. */
export type Bytes = () => AsyncIterable<Uint8Array>;

/** Reads the bytes once, holding nothing but the decoder's few pending bytes. */
export async function detectEncoding(bytes: Bytes): Promise<CsvEncoding> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of bytes()) decoder.decode(chunk, { stream: true });
    decoder.decode();
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

/** The text in pieces; a leading byte-order mark (UTF-8's, or GB18030's U+FEFF) is dropped. */
export async function* decodedText(bytes: Bytes, encoding: CsvEncoding): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding);
  let first = true;
  for await (const chunk of bytes()) {
    let text = decoder.decode(chunk, { stream: true });
    if (first && text !== '') {
      text = text.replace(/^\ufeff/, '');
      first = false;
    }
    if (text !== '') yield text;
  }
  const rest = decoder.decode();
  if (rest !== '') yield first ? rest.replace(/^\ufeff/, '') : rest;
}

/**
 * A CSV parser fed a piece of text at a time; it hands back the records completed so far. Lenient
 * where spreadsheets are: CRLF, LF or CR ends a record, a quote inside an unquoted field is kept
 * as it is, text after a closing quote is kept too.
 */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  /** A quote was just read inside a quoted field: either the end of the field or the first of two. */
  private quotePending = false;
  /** The last record ended with CR: an LF right after it belongs to the same line end. */
  private afterCR = false;
  /** Whether the current record has begun (so an empty last line is not a record). */
  private started = false;

  push(text: string): string[][] {
    const done: string[][] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (this.afterCR) {
        this.afterCR = false;
        if (c === '\n') continue;
      }
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false; // the closing quote; c is read as outside quotes below
        } else {
          if (c === '"') this.quotePending = true;
          else this.field += c;
          continue;
        }
      }
      this.started = true;
      if (c === ',') {
        this.record.push(this.field);
        this.field = '';
      } else if (c === '\n' || c === '\r') {
        this.record.push(this.field);
        done.push(this.record);
        this.field = '';
        this.record = [];
        this.started = false;
        this.afterCR = c === '\r';
      } else if (c === '"' && this.field === '') {
        this.inQuotes = true;
      } else {
        this.field += c;
      }
    }
    return done;
  }

  /** The last record, when the text did not end with a line break (an open quote is closed). */
  end(): string[][] {
    this.inQuotes = false;
    this.quotePending = false;
    if (!this.started && this.record.length === 0 && this.field === '') return [];
    this.record.push(this.field);
    const last = this.record;
    this.record = [];
    this.field = '';
    this.started = false;
    return [last];
  }
}

/** Every record of a CSV, one at a time. */
export async function* csvRecords(bytes: Bytes): AsyncGenerator<string[]> {
  const parser = new CsvParser();
  for await (const text of decodedText(bytes, await detectEncoding(bytes))) yield* parser.push(text);
  yield* parser.end();
}

/** The CSV's lines as numbered rows of cells (its records: a quoted line break does not count). */
export async function* csvLines(bytes: Bytes): AsyncGenerator<SheetRow> {
  let number = 0;
  for await (const cells of csvRecords(bytes)) yield { number: ++number, cells };
}
