/**
 * CSV fields as every CSV Dangan writes them (the audit export, the handover list, the import
 * report): pure, so the console writes the import report the same way the command does.
 */

/** One CSV field (RFC 4180); a value a spreadsheet would run as a formula is prefixed with '. */
export function csvField(value: unknown): string {
  let text =
    value === undefined || value === null
      ? ''
      : typeof value === 'string'
        ? value
        : Array.isArray(value) && value.every((v) => typeof v === 'string')
          ? value.join(' ')
          : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
