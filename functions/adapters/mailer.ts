import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import nodemailer, { type Transporter } from 'nodemailer';
import { mailConfigurationSet, mailFrom, mailTransport } from './env.ts';

/**
 * The one way a message leaves Dangan: nodemailer, over the transport configuration names
 * (`MAIL_TRANSPORT`): `ses` sends through the SES v2 API with the stack's configuration set (its
 * events report bounces and complaints), an `smtp://host:port` URL sends over SMTP (the local
 * MailDev, or SES's SMTP interface). The same code path either way; the function does not know
 * which one it has.
 */

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** The page that stops this kind of mail (List-Unsubscribe). */
  unsubscribe: string;
}

let transporter: Transporter | undefined;

function transport(): Transporter {
  if (transporter) return transporter;
  const configured = mailTransport();
  if (configured === 'ses') {
    const configurationSet = mailConfigurationSet();
    transporter = nodemailer.createTransport({
      SES: { sesClient: new SESv2Client({}), SendEmailCommand },
      ...(configurationSet ? { ses: { ConfigurationSetName: configurationSet } } : {}),
    });
  } else if (/^smtps?:\/\//.test(configured)) {
    transporter = nodemailer.createTransport(configured);
  } else {
    throw new Error(`MAIL_TRANSPORT must be "ses" or an smtp:// URL, not ${configured}`);
  }
  return transporter;
}

/** Sends one plain-text message (UTF-8); a refusal of the transport is thrown. */
export async function sendMail(mail: OutgoingMail): Promise<void> {
  await transport().sendMail({
    from: mailFrom(),
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    headers: { 'List-Unsubscribe': `<${mail.unsubscribe}>` },
  });
}
