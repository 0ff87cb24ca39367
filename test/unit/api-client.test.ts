import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connect } from '../../scripts/shared/api-client.ts';
import { CommandFailure, unreachable } from '../../scripts/shared/errors.ts';

const HEADING = { zh: '导出失败', en: 'export failed' };

/** A port nothing listens on: one the OS handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('a command that cannot reach the API', () => {
  it('says in both languages where it could not connect and why, and fails with exit status 1', async () => {
    const port = await closedPort();
    const failure = await connect(
      { DANGAN_API: `http://127.0.0.1:${port}`, DANGAN_USER: 'archivist1' },
      HEADING,
    ).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CommandFailure);
    expect((failure as CommandFailure).exitCode).toBe(1);
    expect((failure as Error).message).toBe(
      `导出失败：无法连接 http://127.0.0.1:${port}/local/token（ECONNREFUSED）\n` +
        `export failed: cannot reach http://127.0.0.1:${port}/local/token (ECONNREFUSED)`,
    );
  });

  it('never prints the signature of a presigned URL it could not reach', () => {
    const url =
      'https://s3.cn-north-1.amazonaws.com.cn/intake/k.pdf?X-Amz-Signature=abc&X-Amz-Credential=AKID';
    const failure = unreachable(
      HEADING,
      url,
      new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }),
    );
    expect(failure.message).toContain('https://s3.cn-north-1.amazonaws.com.cn/intake/k.pdf (ECONNRESET)');
    expect(failure.message).not.toContain('X-Amz-Signature');
    expect(failure.message).not.toContain('AKID');
  });
});
