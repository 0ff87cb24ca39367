/**
 * The local stand-in for SES: MailDev, a real SMTP server with a web inbox and a REST API
 * (`GET <inbox>/api/email`). The notifier sends to it over SMTP through the same adapter that
 * sends through SES on AWS (functions/adapters/mailer.ts); only the transport setting differs.
 * Messages are kept under the data directory, so the inbox survives a restart and nothing is
 * written elsewhere.
 */
import { join } from 'node:path';
import { MailDev } from 'maildev';

/** Seeded users' addresses: `<username>@dangan.local` (infra/local/accounts.ts). */
export const LOCAL_MAIL_DOMAIN = 'dangan.local';
/** The sender the local notifier uses (on AWS: an address of the SES identity). */
export const LOCAL_MAIL_FROM = `Dangan 档案 <noreply@${LOCAL_MAIL_DOMAIN}>`;

export interface LocalMail {
  /** Where the functions send (`MAIL_TRANSPORT`). */
  smtpUrl: string;
  /** The web inbox; its REST API is under `/api`. */
  inboxUrl: string;
  stop(): Promise<void>;
}

interface PortOwner {
  getPort(): number;
}

export async function startLocalMail(options: {
  host: string;
  smtpPort: number;
  inboxPort: number;
  dataDir: string;
}): Promise<LocalMail> {
  const maildev = new MailDev({
    smtp: options.smtpPort,
    web: options.inboxPort,
    ip: options.host,
    webIp: options.host,
    mailDirectory: join(options.dataDir, 'mail'),
    silent: true,
  });
  const servers = await maildev.start();
  // Port 0 asked for free ports: the servers know which they got.
  const smtp = (servers.smtp as unknown as PortOwner).getPort();
  const inbox = (servers.api as unknown as PortOwner | undefined)?.getPort();
  if (inbox === undefined) {
    await maildev.stop();
    throw new Error('MailDev started without its web inbox');
  }
  return {
    smtpUrl: `smtp://${options.host}:${smtp}`,
    inboxUrl: `http://${options.host}:${inbox}`,
    stop: () => maildev.stop(),
  };
}
