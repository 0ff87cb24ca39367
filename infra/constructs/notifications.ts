import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface NotificationsProps {
  /** The sender, `noreply@archive.example.cn`: an address of the identity. */
  mailFrom: string;
  /** The SES identity mail is sent as: a domain (DKIM records to publish) or the one address. */
  identity: string;
}

/**
 * Mail on AWS: the SES identity the notifier sends as (from deploy-time configuration), a
 * configuration set whose bounce and complaint events reach the notifier through EventBridge (it
 * stops mailing the address; SES's own suppression list does too). The notifier may send only as
 * this identity with this set (`sendResources`); its daily run is in schedules.ts.
 */
export class Notifications extends Construct {
  readonly identity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
  readonly mailFrom: string;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.mailFrom = props.mailFrom;
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
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
  }

  /** The resources `ses:SendEmail` is scoped to: the identity and the configuration set. */
  sendResources(): string[] {
    return [
      this.identity.emailIdentityArn,
      Stack.of(this).formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: this.configurationSet.configurationSetName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    ];
  }

  /** Bounces and complaints of this configuration set's mail, to the notifier. */
  connect(notifier: lambda.IFunction): void {
    new events.Rule(this, 'Feedback', {
      description: 'SES bounces and complaints of Dangan notifications',
      eventPattern: {
        source: ['aws.ses'],
        detail: { mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } } },
      },
      targets: [new targets.LambdaFunction(notifier, { retryAttempts: 8 })],
    });
  }
}
