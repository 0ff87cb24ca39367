import type { Upload } from './api.ts';

/**
 * Files on their way to storage: SHA-256 computed in the browser (the presigned URL is bound to
 * it), then one PUT straight to the intake bucket with exactly the headers the API returned.
 * Progress is reported as bytes sent; failed transfers are retried, and an expired URL is
 * renewed, before a failure is reported. Nothing is dropped silently.
 */

const EXTENSION_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  tif: 'image/tiff',
  tiff: 'image/tiff',
};

/** The file's content type: what the browser says, or what its extension says. */
export function contentTypeOf(file: File): string {
  if (file.type) return file.type;
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  return EXTENSION_TYPES[ext] ?? 'application/octet-stream';
}

export async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class UploadFailed extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'UploadFailed';
  }
}

/** One PUT with progress; resolves on 2xx, rejects with the status otherwise (0 = network). */
export function putFile(
  upload: Upload,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method, upload.url);
    for (const [name, value] of Object.entries(upload.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText)?.[1] ?? '';
        reject(new UploadFailed(`HTTP ${xhr.status}${code ? ` ${code}` : ''}`, xhr.status));
      }
    };
    xhr.onerror = () => reject(new UploadFailed('network error', 0));
    xhr.ontimeout = () => reject(new UploadFailed('timed out', 0));
    xhr.send(file);
  });
}

export interface RetryOptions {
  attempts?: number;
  /** A fresh upload for the same file (the URL expired or was refused). */
  renew?: () => Promise<Upload>;
  onRetry?: (attempt: number, error: UploadFailed) => void;
  /** Milliseconds before retry n (1-based); doubled each time by default. */
  delay?: (attempt: number) => number;
}

const retryable = (status: number) => status === 0 || status === 408 || status === 429 || status >= 500;

/** Uploads with retries: transient failures are retried, an expired or refused URL is renewed once. */
export async function putWithRetry(
  upload: Upload,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
  options: RetryOptions = {},
): Promise<Upload> {
  const attempts = options.attempts ?? 3;
  let current = upload;
  let renewed = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await putFile(current, file, onProgress);
      return current;
    } catch (err) {
      const e = err instanceof UploadFailed ? err : new UploadFailed(String(err), 0);
      const expired = e.status === 403 && options.renew !== undefined && !renewed;
      if (attempt >= attempts || !(retryable(e.status) || expired)) throw e;
      options.onRetry?.(attempt + 1, e);
      onProgress(0, file.size);
      if (expired && options.renew) {
        current = await options.renew();
        renewed = true;
      } else {
        await new Promise((r) => setTimeout(r, options.delay?.(attempt) ?? 500 * 2 ** (attempt - 1)));
      }
    }
  }
}

/** Runs `tasks` with at most `limit` at a time; every task runs, failures are collected. */
export async function runLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
