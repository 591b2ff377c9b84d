import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Api, PROJECT_ROOT } from './constructs/api.js';
import { Data } from './constructs/data.js';
import { Deadlines } from './constructs/deadlines.js';
import { Hosting } from './constructs/hosting.js';
import { Live } from './constructs/live.js';
import { Monitoring } from './constructs/monitoring.js';
import { Operations } from './constructs/operations.js';
import { Webhooks } from './constructs/webhooks.js';
import { suppressReviewedFindings } from './nag-suppressions.js';

export interface ChatDistributionStackProps extends StackProps {
  /** dev or prod: prod tables refuse deletion and logs are kept longer. */
  readonly envName: string;
  /** The built web assets (web/dist) to host; none when absent. */
  readonly webAssets?: string;
}

/**
 * The throttle of each visitor route: the `visitorThrottle` context value, `{rateLimit, burstLimit}`
 * (cdk.json holds it; `-c visitorThrottle='{"rateLimit":…,"burstLimit":…}'` overrides it), read
 * from cdk.json itself when the app was not started by the CDK CLI (the tests). It must be
 * within the stage's default throttle.
 */
export function visitorThrottle(scope: Construct, stageThrottle: Required<ThrottleSettings>): Required<ThrottleSettings> {
  let value: unknown = scope.node.tryGetContext('visitorThrottle');
  if (value === undefined) {
    const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
    value = cdkJson.context?.visitorThrottle;
  }
  if (typeof value === 'string') value = JSON.parse(value);
  const { rateLimit, burstLimit } = (value ?? {}) as { rateLimit?: unknown; burstLimit?: unknown };
  const valid =
    typeof rateLimit === 'number' &&
    rateLimit > 0 &&
    rateLimit <= stageThrottle.rateLimit &&
    Number.isInteger(burstLimit) &&
    (burstLimit as number) > 0 &&
    (burstLimit as number) <= stageThrottle.burstLimit;
  if (!valid) {
    throw new Error(
      `visitorThrottle must be {"rateLimit": 0 < n ≤ ${stageThrottle.rateLimit}, "burstLimit": integer 0 < n ≤ ${stageThrottle.burstLimit}}, got ${JSON.stringify(value)}`,
    );
  }
  return { rateLimit, burstLimit: burstLimit as number };
}

/** A plausible e-mail address: one @, no spaces, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Where the alarms are e-mailed: the `alarmEmail` context value (in cdk.json's context, or
 * `-c alarmEmail=ops@example.com`); undefined (no subscription) when absent or empty.
 */
export function alarmEmail(scope: Construct): string | undefined {
  const value: unknown = scope.node.tryGetContext('alarmEmail');
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !EMAIL.test(value)) throw new Error(`alarmEmail must be an e-mail address, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Whether the WebSocket API's stage writes access logs: the `liveAccessLogs` context value
 * (`-c liveAccessLogs=true`, or true in cdk.json's context), for accounts whose API Gateway
 * settings have a CloudWatch Logs role (see Live); off when absent.
 */
export function liveAccessLogs(scope: Construct): boolean {
  const value: unknown = scope.node.tryGetContext('liveAccessLogs');
  if (value === undefined || value === null || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`liveAccessLogs must be true or false, got ${JSON.stringify(value)}`);
}

/** Everything the service needs in AWS. */
export class ChatDistributionStack extends Stack {
  readonly data: Data;
  readonly deadlines: Deadlines;
  readonly webhooks: Webhooks;
  readonly live: Live;
  readonly api: Api;
  readonly hosting: Hosting;
  readonly operations: Operations;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ChatDistributionStackProps) {
    super(scope, id, props);
    const production = props.envName === 'prod';

    this.data = new Data(this, 'Data', { protect: production });
    const platformSecret = new Secret(this, 'PlatformToken', {
      description: 'Bearer token of the platform role (creates sites)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    const throttle = production ? { rateLimit: 500, burstLimit: 1000 } : { rateLimit: 100, burstLimit: 200 };
    const logRetention = production ? RetentionDays.SIX_MONTHS : RetentionDays.ONE_MONTH;
    // The WebSocket API first: the pages' CSP names its origin.
    this.live = new Live(this, 'Live', { logRetention, throttle, accessLogs: liveAccessLogs(this) });
    this.hosting = new Hosting(this, 'Hosting', { liveOrigin: this.live.origin });
    this.deadlines = new Deadlines(this, 'Deadlines');
    this.webhooks = new Webhooks(this, 'Webhooks');
    const cdnUrl = `https://${this.hosting.distribution.distributionDomainName}`;
    this.api = new Api(this, 'Api', {
      table: this.data.table,
      idempotencyTable: this.data.idempotencyTable,
      platformSecret,
      assets: this.hosting.assets,
      deadlineQueue: this.deadlines.queue,
      webhookQueue: this.webhooks.queue,
      webhookKey: this.webhooks.signingKey,
      live: this.live,
      avatarBaseUrl: `${cdnUrl}/avatars`,
      publicOrigin: cdnUrl,
      logRetention,
      throttle,
      visitorThrottle: visitorThrottle(this, throttle),
    });
    this.hosting.addApi(new HttpOrigin(Fn.select(2, Fn.split('/', this.api.httpApi.apiEndpoint))));
    if (props.webAssets) this.hosting.addWebAssets(props.webAssets);
    this.operations = new Operations(this, 'Operations', {
      table: this.data.table,
      sweep: this.api.sweep,
      dispatcher: this.api.dispatcher,
      repair: this.api.repair,
      deadlineQueue: this.deadlines.queue,
      deadlineDeadLetters: this.deadlines.deadLetters,
      deadlineHandler: this.api.deadlineHandler,
      webhookPublisher: this.api.webhookPublisher,
      webhookQueue: this.webhooks.queue,
      webhookDeadLetters: this.webhooks.deadLetters,
      webhookSender: this.api.webhookSender,
      livePush: this.api.livePush,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: this.api.all(),
      httpApi: this.api.httpApi,
      table: this.data.table,
      dispatcher: this.api.dispatcher,
      webhookPublisher: this.api.webhookPublisher,
      livePush: this.api.livePush,
      deadlineQueue: this.deadlines.queue,
      webhookDeadLetters: this.webhooks.deadLetters,
      deadLetters: [
        {
          id: 'DispatchDeadLetter',
          queue: this.operations.dispatchDeadLetters,
          means: 'Stream records the dispatcher gave up on are in its dead-letter queue: their chats waited for the periodic repair',
        },
        {
          id: 'DeadlineDeadLetter',
          queue: this.deadlines.deadLetters,
          means: 'Deadlines the handler failed on every receive are in their dead-letter queue: their group chats waited for the periodic repair',
        },
        {
          id: 'WebhookPublishDeadLetter',
          queue: this.operations.webhookPublishDeadLetters,
          means: 'Stream records the webhook publisher gave up on are in its dead-letter queue: their events were never queued (replay them from the stream within 24 h)',
        },
        {
          id: 'WebhookDeadLetter',
          queue: this.webhooks.deadLetters,
          means: 'Webhook events a receiver did not take in 24 hours of retries are in their dead-letter queue',
        },
        {
          id: 'LivePushDeadLetter',
          queue: this.operations.livePushDeadLetters,
          means: 'Stream records the live notifier gave up on are in its dead-letter queue: those pushes were lost (the pages polled instead)',
        },
        {
          id: 'SweepFailure',
          queue: this.operations.sweepFailures,
          means: 'A run of the stale-operator sweep failed, or EventBridge could not invoke it: the failure is in its queue (with the error)',
        },
        {
          id: 'RepairFailure',
          queue: this.operations.repairFailures,
          means: 'A run of the periodic repair failed, or EventBridge could not invoke it: the failure is in its queue (with the error)',
        },
      ],
      alarmEmail: alarmEmail(this),
    });

    new CfnOutput(this, 'ApiUrl', { value: `${cdnUrl}/v1`, description: 'The API (through CloudFront)' });
    new CfnOutput(this, 'DirectApiUrl', { value: `${this.api.httpApi.apiEndpoint}/v1`, description: 'The API Gateway endpoint' });
    new CfnOutput(this, 'WidgetUrl', { value: `${cdnUrl}/widget.js`, description: 'The widget script' });
    new CfnOutput(this, 'LiveUrl', { value: this.live.url, description: 'The WebSocket API the console and the widget listen on (wss://)' });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.topic.topicArn,
      description: 'The SNS topic every alarm notifies (subscribe to it, or deploy with -c alarmEmail=you@example.com)',
    });
    new CfnOutput(this, 'PlatformTokenSecretName', {
      value: platformSecret.secretName,
      description: 'aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text',
    });
    suppressReviewedFindings(this, {
      functions: [...this.api.all().values()],
      liveStage: this.live.stage,
      consumerDeadLetters: [
        this.operations.dispatchDeadLetters,
        this.operations.webhookPublishDeadLetters,
        this.operations.livePushDeadLetters,
        this.operations.sweepFailures,
        this.operations.repairFailures,
      ],
      platformSecret,
      webhookKey: this.webhooks.signingKey,
    });
  }
}
