import { mailConfigurationSet, mailFrom, mailTransport } from './env.ts';
import { type SendEmailInput, sendEmail } from './ses-mail.ts';

/**
 * The one way a message leaves Dangan, over the transport configuration names
 * (`MAIL_TRANSPORT`): `ses` sends through the SES v2 API with the stack's configuration set (its
 * events report bounces and complaints), an `smtp://host:port` URL sends over SMTP (the local
 * MailDev, or SES's SMTP interface). The function does not know which one it has.
 *
 * SES takes the message as fields (subject, text, headers) and composes the MIME itself, so the
 * SES path needs nothing beyond one signed request (ses-mail.ts). SMTP needs a MIME composer and an SMTP client
 * (nodemailer, about 240 KB bundled): smtp-mail.ts loads it when an SMTP URL is configured, and
 * the stack's bundles, which always send through SES, leave it out (infra/constructs/functions.ts).
 */

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** The page that stops this kind of mail (List-Unsubscribe). */
  unsubscribe: string;
}

type Send = (mail: OutgoingMail & { from: string }) => Promise<void>;

let transport: Send | undefined;

async function transportFor(configured: string): Promise<Send> {
  if (configured === 'ses') return sendThroughSes(sendEmail, mailConfigurationSet());
  if (/^smtps?:\/\//.test(configured)) {
    const { smtpSender } = await import('./smtp-mail.ts');
    return smtpSender(configured);
  }
  throw new Error(`MAIL_TRANSPORT must be "ses" or an smtp:// URL, not ${configured}`);
}

/** SES v2 SendEmail with simple content: UTF-8 subject and text, List-Unsubscribe as a header. */
export function sendThroughSes(
  send: (input: SendEmailInput) => Promise<unknown>,
  configurationSet: string | undefined,
): Send {
  return async (mail) => {
    await send({
      FromEmailAddress: mail.from,
      Destination: { ToAddresses: [mail.to] },
      Content: {
        Simple: {
          Subject: { Data: mail.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
          Headers: [{ Name: 'List-Unsubscribe', Value: `<${mail.unsubscribe}>` }],
        },
      },
      ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
    });
  };
}

/** Sends one plain-text message (UTF-8); a refusal of the transport is thrown. */
export async function sendMail(mail: OutgoingMail): Promise<void> {
  transport ??= await transportFor(mailTransport());
  await transport({ ...mail, from: mailFrom() });
}
