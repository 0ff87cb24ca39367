/**
 * The local inbox (MailDev) as tests read it: through its HTTP API, as a person would read the
 * web inbox. Messages are matched by recipient and by something only the awaited message holds
 * (a submission id in its link, say), since every test of a file shares one inbox.
 */
import { until } from './system.ts';

export interface Mail {
  id: string;
  subject: string;
  text: string;
  to: { address: string }[];
  headers: Record<string, string>;
}

export async function allMail(inboxUrl: string): Promise<Mail[]> {
  const res = await fetch(`${inboxUrl}/api/email`);
  if (res.status !== 200) throw new Error(`GET ${inboxUrl}/api/email: ${res.status} ${await res.text()}`);
  return (await res.json()) as Mail[];
}

const to = (mail: Mail, address: string) => mail.to.some((t) => t.address === address);

/** Messages to `address` whose text contains `marker`. */
export async function mailTo(inboxUrl: string, address: string, marker: string): Promise<Mail[]> {
  return (await allMail(inboxUrl)).filter((m) => to(m, address) && m.text.includes(marker));
}

/** Waits for the first message to `address` containing `marker`. */
export function waitForMail(
  inboxUrl: string,
  address: string,
  marker: string,
  timeoutMs = 10_000,
): Promise<Mail> {
  return until(
    `a mail to ${address} about ${marker}`,
    async () => (await mailTo(inboxUrl, address, marker))[0],
    timeoutMs,
    200,
  );
}

/** The unsubscribe token in a message's footer link (`…#/unsubscribe/<token>`). */
export function unsubscribeTokenOf(mail: Mail): string {
  const m = /#\/unsubscribe\/([A-Za-z0-9_.-]+)/.exec(mail.text);
  if (!m?.[1]) throw new Error(`no unsubscribe link in ${mail.subject}`);
  return m[1];
}
