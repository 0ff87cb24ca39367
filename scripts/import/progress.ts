/**
 * The import's progress on stderr: on a terminal, one line redrawn in place (documents, bytes,
 * rate, time left); otherwise (a log, a pipe) a plain line every `every` documents and at the end,
 * so logs stay readable.
 */

export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

const MB = 1024 * 1024;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

export class Progress {
  private docs = 0;
  private bytes = 0;
  private readonly started: number;

  constructor(
    private readonly totalDocs: number,
    private readonly totalBytes: number,
    private readonly out: ProgressOutput = process.stderr,
    private readonly every = 100,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.started = clock();
  }

  /** One more document done, of `bytes` bytes (0 when it needed no upload). */
  add(bytes: number): void {
    this.docs++;
    this.bytes += bytes;
    if (this.out.isTTY) this.out.write(`\r${this.line()}\x1b[K`);
    else if (this.docs % this.every === 0 || this.docs === this.totalDocs) this.out.write(`${this.line()}\n`);
  }

  /** Ends the redrawn line. */
  done(): void {
    if (this.out.isTTY && this.docs > 0) this.out.write('\n');
  }

  line(): string {
    const seconds = (this.clock() - this.started) / 1000;
    const rate = seconds > 0 ? this.docs / seconds : 0;
    const byteRate = seconds > 0 ? this.bytes / seconds : 0;
    const left = rate > 0 ? (this.totalDocs - this.docs) / rate : Number.POSITIVE_INFINITY;
    const width = 20;
    const filled = this.totalDocs > 0 ? Math.round((this.docs / this.totalDocs) * width) : width;
    return (
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` +
      `上传 uploaded ${this.docs}/${this.totalDocs}  ${(this.bytes / MB).toFixed(1)}/${(this.totalBytes / MB).toFixed(1)} MB  ` +
      `${rate.toFixed(1)} 件/docs/s  ${(byteRate / MB).toFixed(1)} MB/s  剩余 left ${formatDuration(left)}`
    );
  }
}
