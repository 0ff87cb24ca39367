import {
  AwsServiceError,
  readText,
  regionOf,
  ServiceClock,
  sendSigned,
  serviceEndpoint,
  withRetries,
} from './aws-http.ts';

/**
 * SES v2 SendEmail, the one SES operation Dangan sends, as its REST-JSON request (POST
 * /v2/email/outbound-emails) signed and sent by aws-http.ts rather than through the SDK's SES
 * client (about 60 KB of the notifier's bundle for one call). The input and output carry the
 * SDK's member names; test/unit/ses-mail.test.ts holds the request equal to the SDK's.
 */

export interface SendEmailInput {
  FromEmailAddress: string;
  Destination: { ToAddresses: string[] };
  Content: {
    Simple: {
      Subject: { Data: string; Charset?: string };
      Body: { Text: { Data: string; Charset?: string } };
      Headers?: { Name: string; Value: string }[];
    };
  };
  ConfigurationSetName?: string;
}

const clock = new ServiceClock();

/** Sends one message; SES's refusal is thrown named by its error type (`MessageRejected`, …). */
export async function sendEmail(input: SendEmailInput): Promise<{ MessageId?: string }> {
  const body = Buffer.from(JSON.stringify(input), 'utf8');
  return withRetries(async () => {
    const answer = await sendSigned({
      service: 'ses',
      region: regionOf(),
      endpoint: serviceEndpoint('SESV2', 'email'),
      method: 'POST',
      path: '/v2/email/outbound-emails',
      headers: { 'content-type': 'application/json' },
      body,
      signingDate: clock.now(),
    });
    const text = await readText(answer.body);
    if (answer.status < 300) {
      const { MessageId } = JSON.parse(text || '{}') as { MessageId?: string };
      return MessageId === undefined ? {} : { MessageId };
    }
    const error = new AwsServiceError(
      errorType(answer.headers['x-amzn-errortype'], text) ?? `Http${answer.status}`,
      messageOf(text),
      answer.status,
      answer.headers['x-amzn-requestid'] as string | undefined,
    );
    clock.learn(answer, error);
    throw error;
  });
}

/** The error's name: the x-amzn-errortype header (before its `:`), else the body's `__type`. */
function errorType(header: string | string[] | undefined, text: string): string | undefined {
  const raw = (Array.isArray(header) ? header[0] : header) ?? jsonField(text, '__type');
  return raw?.split(':')[0]?.split('#').pop() || undefined;
}

const messageOf = (text: string): string =>
  jsonField(text, 'message') ?? jsonField(text, 'Message') ?? text.slice(0, 200);

function jsonField(text: string, name: string): string | undefined {
  try {
    const value = (JSON.parse(text) as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
