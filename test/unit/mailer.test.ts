import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/catalog.ts';

/**
 * Mail through SES: SES v2 composes the message from its fields, so the notifier sends one signed
 * request (functions/adapters/ses-mail.ts) and carries no SES client. Here SES is a bare HTTP
 * endpoint that records what arrives and answers as SES does; the SDK's SES client, sent the same
 * input, shows what the request must be (SMTP, the local MailDev's transport, is driven end to end
 * by the e2e tests).
 */

interface Arrived {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const arrived: Arrived[] = [];
let answers: { status: number; headers?: Record<string, string>; body: string }[] = [];
let endpoint: Server;
const saved = { ...process.env };

beforeAll(async () => {
  endpoint = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrived.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = answers.shift() ?? { status: 200, body: '{"MessageId":"m-1"}' };
      res
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(answer.body);
    });
  });
  await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  process.env = saved;
  await new Promise<void>((r) => endpoint.close(() => r()));
});
beforeEach(() => {
  arrived.length = 0;
  answers = [];
  Object.assign(process.env, {
    [ENV.mailTransport]: 'ses',
    [ENV.mailFrom]: 'noreply@archive.example.cn',
    [ENV.mailConfigurationSet]: 'dangan-mail',
    AWS_REGION: 'cn-north-1',
    AWS_ACCESS_KEY_ID: 'AKIDMAILTEST',
    AWS_SECRET_ACCESS_KEY: 'mail-test-secret',
    AWS_ENDPOINT_URL_SESV2: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`,
  });
  delete process.env.AWS_SESSION_TOKEN;
});

const MAIL = {
  to: 'clerk1@example.com',
  subject: '待办: 提交 S-1 待审核',
  text: '请在控制台处理。',
  unsubscribe: 'https://console.example.com/unsubscribe?token=t',
};
const EXPECTED_INPUT = {
  FromEmailAddress: 'noreply@archive.example.cn',
  Destination: { ToAddresses: ['clerk1@example.com'] },
  Content: {
    Simple: {
      Subject: { Data: '待办: 提交 S-1 待审核', Charset: 'UTF-8' },
      Body: { Text: { Data: '请在控制台处理。', Charset: 'UTF-8' } },
      Headers: [{ Name: 'List-Unsubscribe', Value: '<https://console.example.com/unsubscribe?token=t>' }],
    },
  },
  ConfigurationSetName: 'dangan-mail',
};

describe('sendMail through SES', () => {
  it('sends UTF-8 subject and text from the configured sender, with the configuration set and List-Unsubscribe, as the SDK would', async () => {
    const { sendMail } = await import('../../functions/adapters/mailer.ts');
    await sendMail(MAIL);
    const sdk = new SESv2Client({ maxAttempts: 1 });
    await sdk.send(new SendEmailCommand(EXPECTED_INPUT));
    sdk.destroy();
    expect(arrived).toHaveLength(2);
    const [mine, theirs] = arrived as [Arrived, Arrived];
    expect(JSON.parse(mine.body)).toEqual(EXPECTED_INPUT);
    expect(JSON.parse(mine.body)).toEqual(JSON.parse(theirs.body));
    expect([mine.method, mine.url]).toEqual([theirs.method, theirs.url]);
    expect(mine.headers['content-type']).toBe(theirs.headers['content-type']);
    // Signed by the role for SES in the deployment's region.
    const scope = /Credential=AKIDMAILTEST\/\d{8}\/cn-north-1\/ses\/aws4_request/;
    expect(mine.headers.authorization).toMatch(scope);
    expect(theirs.headers.authorization).toMatch(scope);
    expect(mine.headers.authorization).toMatch(/SignedHeaders=[^,]*content-type[^,]*host/);
  });

  it("throws SES's refusal by its name and message, without trying again", async () => {
    answers = [
      {
        status: 400,
        headers: {
          'x-amzn-errortype': 'MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/',
        },
        body: '{"message":"Email address is not verified. The following identities failed the check: x@example.com"}',
      },
    ];
    const { sendMail } = await import('../../functions/adapters/mailer.ts');
    const sent = sendMail({ ...MAIL, to: 'x@example.com' });
    await expect(sent).rejects.toMatchObject({ name: 'MessageRejected', $metadata: { httpStatusCode: 400 } });
    await expect(sent).rejects.toThrow('Email address is not verified');
    expect(arrived).toHaveLength(1);
  });

  it('tries again when SES throttles', async () => {
    answers = [
      {
        status: 429,
        headers: { 'x-amzn-errortype': 'TooManyRequestsException' },
        body: '{"message":"slow down"}',
      },
    ];
    const { sendMail } = await import('../../functions/adapters/mailer.ts');
    await sendMail(MAIL);
    expect(arrived).toHaveLength(2);
  });
});
