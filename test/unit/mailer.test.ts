import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/catalog.ts';

/**
 * Mail through SES: the SES v2 API composes the message from its fields, so the notifier's
 * bundle carries the SES client alone (SMTP, the local MailDev's transport, is driven end to end
 * by the e2e tests). Every SES call not answered here fails.
 */

const ses = mockClient(SESv2Client);
const saved = { ...process.env };

beforeEach(() => {
  ses.reset();
  ses.onAnyCommand().rejects(new Error('unexpected SES call'));
  process.env[ENV.mailTransport] = 'ses';
  process.env[ENV.mailFrom] = 'noreply@archive.example.cn';
  process.env[ENV.mailConfigurationSet] = 'dangan-mail';
});
afterAll(() => {
  process.env = saved;
  ses.restore();
});

describe('sendMail through SES', () => {
  it('sends UTF-8 subject and text from the configured sender, with the configuration set and List-Unsubscribe', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const { sendMail } = await import('../../functions/adapters/mailer.ts');
    await sendMail({
      to: 'clerk1@example.com',
      subject: '待办: 提交 S-1 待审核',
      text: '请在控制台处理。',
      unsubscribe: 'https://console.example.com/unsubscribe?token=t',
    });
    expect(ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input)).toEqual([
      {
        FromEmailAddress: 'noreply@archive.example.cn',
        Destination: { ToAddresses: ['clerk1@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: '待办: 提交 S-1 待审核', Charset: 'UTF-8' },
            Body: { Text: { Data: '请在控制台处理。', Charset: 'UTF-8' } },
            Headers: [
              { Name: 'List-Unsubscribe', Value: '<https://console.example.com/unsubscribe?token=t>' },
            ],
          },
        },
        ConfigurationSetName: 'dangan-mail',
      },
    ]);
  });

  it("throws SES's refusal", async () => {
    ses.on(SendEmailCommand).rejects(new Error('Email address is not verified'));
    const { sendMail } = await import('../../functions/adapters/mailer.ts');
    await expect(
      sendMail({ to: 'x@example.com', subject: 's', text: 't', unsubscribe: 'https://u.example.com' }),
    ).rejects.toThrow('Email address is not verified');
  });
});
