/**
 * Scans for the browser tests: real, viewable files (a PDF a viewer opens, a PNG a browser
 * draws), padded to a size whose upload takes several progress events.
 */
import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

/** A one-page PDF with a line of text, padded with a comment to about `size` bytes. */
export function pdfScan(text: string, size = 256 * 1024): Buffer {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?').replace(/[()\\]/g, '');
  const stream = `BT /F1 24 Tf 72 720 Td (${ascii}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  // Scanners embed large images; a comment of random text stands in for them (and makes each file unique).
  const filler = randomBytes(Math.max(0, Math.floor((size - 600) / 2))).toString('hex');
  out += `%${filler.replace(/(.{120})/g, '$1\n%')}\n`;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** An RGB PNG that looks like a scanned card: a light page, a frame, a few bars of "text". */
export function pngScan(width = 640, height = 400, noise = true): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      let v = 246;
      const frame = x < 12 || x >= width - 12 || y < 12 || y >= height - 12;
      const photo = x > 40 && x < 200 && y > 60 && y < 260;
      const textLine = x > 240 && x < width - 60 && y > 70 && (y - 70) % 40 < 14 && y < 330;
      if (frame) v = 60;
      else if (photo) v = 150;
      else if (textLine) v = 90;
      // Noise keeps the image from compressing to nothing, as a real scan would not.
      const n = noise ? Math.floor(Math.random() * 12) : 0;
      row[1 + x * 3] = Math.max(0, v - n);
      row[2 + x * 3] = Math.max(0, v - n);
      row[3 + x * 3] = Math.max(0, v + (photo ? 20 : 0) - n);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
