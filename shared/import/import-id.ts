/**
 * The import batch a catalogue makes, named as the API names it (functions/core/imports.ts
 * `importIdOf`, which a unit test holds this to): the same catalogue is the same batch, whoever
 * runs it. Computed with WebCrypto, which the browser and Node both have, so the console's checks
 * know the batch before anything is written: rows a stopped import registered already are its
 * own, not duplicates.
 */

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

export async function importIdFor(catalogueSha256: string): Promise<string> {
  const digest = await sha256Hex(new TextEncoder().encode(`import:${catalogueSha256}`));
  return `imp-${digest.slice(0, 32)}`;
}
