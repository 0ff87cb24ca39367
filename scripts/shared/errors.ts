/**
 * How a command of scripts/ ends badly, each with its exit status and a message in Chinese and
 * English: the archivists who run them read Chinese, the operators who script them may not.
 * Each command names its own failure (导出失败 / export failed, 导入失败 / import failed), so a
 * message always says what did not get done.
 */

/** What a command's failures are headed with. */
export interface Heading {
  zh: string;
  en: string;
}

/** The command was called wrongly (exit 2): nothing was read or written. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(zh: string, en: string) {
    super(`用法错误：${zh}\nusage error: ${en}`);
  }
}

/** The command could not do its work (exit 1). */
export class CommandFailure extends Error {
  readonly exitCode = 1;
  constructor(heading: Heading, zh: string, en: string) {
    super(`${heading.zh}：${zh}\n${heading.en}: ${en}`);
  }
}

/**
 * A request that got no answer at all (connection refused, name not found, reset, a port fetch
 * will not use): where it went, without a presigned URL's query, and the network's reason.
 */
export function unreachable(heading: Heading, url: string, err: unknown): CommandFailure {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const why = String(cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : err));
  let where = url;
  try {
    const parsed = new URL(url);
    where = `${parsed.origin}${parsed.pathname}`;
  } catch {
    // not a URL: named as given
  }
  return new CommandFailure(heading, `无法连接 ${where}（${why}）`, `cannot reach ${where} (${why})`);
}

/** The API answered with an error: its status and message, as the API worded it. */
export class ApiError extends CommandFailure {
  constructor(
    heading: Heading,
    readonly status: number,
    readonly request: string,
    readonly apiMessage: string,
  ) {
    super(
      heading,
      `${request} 被拒绝（${status}）：${apiMessage}`,
      `${request} answered ${status}: ${apiMessage}`,
    );
  }
}

/**
 * Runs a command's `main` and exits with what it returns, or with the exit status its failure
 * carries (1 for anything unexpected, whose stack is printed too).
 */
export function runCommand(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const exitCode = (err as { exitCode?: unknown }).exitCode;
      console.error(err instanceof Error ? err.message : String(err));
      if (typeof exitCode !== 'number') console.error(err);
      process.exit(typeof exitCode === 'number' ? exitCode : 1);
    },
  );
}
