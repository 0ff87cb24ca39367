import { errorMessage } from '../core/errors.ts';
import type { OutgoingMail } from './mailer.ts';

/**
 * Mail over SMTP (the local MailDev, or SES's SMTP interface) through nodemailer, which composes
 * the MIME message and speaks SMTP. Loaded by mailer.ts only when an SMTP URL is configured; the
 * stack's bundles mark nodemailer external (they send through SES), so a deployed function that
 * was configured for SMTP says so here rather than failing on a missing module.
 */
export async function smtpSender(url: string) {
  const nodemailer = await import('nodemailer').catch((err: unknown) => {
    throw new Error(
      `MAIL_TRANSPORT is an SMTP URL, but nodemailer cannot be loaded here: ${errorMessage(err)}`,
    );
  });
  const transporter = nodemailer.createTransport(url);
  return async (mail: OutgoingMail & { from: string }): Promise<void> => {
    await transporter.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      headers: { 'List-Unsubscribe': `<${mail.unsubscribe}>` },
    });
  };
}
