import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

/** How the stack sends mail: from deploy-time configuration, known before anything is built. */
export interface MailIdentity {
  /** The sender, `noreply@archive.example.cn`: an address of the identity. */
  mailFrom: string;
  /** The SES identity mail is sent as: a domain (DKIM records to publish) or the one address. */
  identity: string;
  /** The configuration set's name, fixed so the notifier's policy needs no reference to it. */
  configurationSetName: string;
}

/**
 * What `ses:SendEmail` is scoped to: the identity and the configuration set, as ARNs built from
 * their names in the parent stack (the SES resources live in a nested stack that depends on the
 * notifier, so the notifier's policy cannot refer to them).
 */
export function mailSendResources(scope: Construct, mail: MailIdentity): string[] {
  const stack = Stack.of(scope);
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'ses', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  return [arn('identity', mail.identity), arn('configuration-set', mail.configurationSetName)];
}

export interface NotificationsProps extends MailIdentity {
  /** The function that hears bounces and complaints. */
  notifier: lambda.IFunction;
}

/**
 * Mail on AWS (the nested stack `NotificationsStack`): the SES identity the notifier sends as, and
 * a configuration set (TLS required; SES's own suppression list for bounces and complaints) whose
 * bounce and complaint events reach the notifier through EventBridge, which stops mailing the
 * address. The notifier's daily run is in schedules.ts.
 */
export class Notifications extends Construct {
  readonly identity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: props.configurationSetName,
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    });
    this.configurationSet.addEventDestination('Feedback', {
      destination: ses.EventDestination.eventBus(
        events.EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      ),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: props.identity.includes('@')
        ? ses.Identity.email(props.identity)
        : ses.Identity.domain(props.identity),
      configurationSet: this.configurationSet,
    });
    new events.Rule(this, 'Feedback', {
      description: 'SES bounces and complaints of Dangan notifications',
      eventPattern: {
        source: ['aws.ses'],
        detail: { mail: { tags: { 'ses:configuration-set': [props.configurationSetName] } } },
      },
      targets: [new targets.LambdaFunction(props.notifier, { retryAttempts: 8 })],
    });
  }
}
