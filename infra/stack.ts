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

/** Everything the service needs in AWS. */
export class ChatDistributionStack extends Stack {
  readonly data: Data;
  readonly deadlines: Deadlines;
  readonly webhooks: Webhooks;
  readonly api: Api;
  readonly hosting: Hosting;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: ChatDistributionStackProps) {
    super(scope, id, props);
    const production = props.envName === 'prod';

    this.data = new Data(this, 'Data', { protect: production });
    const platformSecret = new Secret(this, 'PlatformToken', {
      description: 'Bearer token of the platform role (creates sites)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    this.hosting = new Hosting(this, 'Hosting');
    this.deadlines = new Deadlines(this, 'Deadlines');
    this.webhooks = new Webhooks(this, 'Webhooks');
    const cdnUrl = `https://${this.hosting.distribution.distributionDomainName}`;
    const throttle = production ? { rateLimit: 500, burstLimit: 1000 } : { rateLimit: 100, burstLimit: 200 };
    this.api = new Api(this, 'Api', {
      table: this.data.table,
      idempotencyTable: this.data.idempotencyTable,
      platformSecret,
      assets: this.hosting.assets,
      deadlineQueue: this.deadlines.queue,
      webhookQueue: this.webhooks.queue,
      webhookKey: this.webhooks.signingKey,
      avatarBaseUrl: `${cdnUrl}/avatars`,
      publicOrigin: cdnUrl,
      logRetention: production ? RetentionDays.SIX_MONTHS : RetentionDays.ONE_MONTH,
      throttle,
      visitorThrottle: visitorThrottle(this, throttle),
    });
    this.hosting.addApi(new HttpOrigin(Fn.select(2, Fn.split('/', this.api.httpApi.apiEndpoint))));
    if (props.webAssets) this.hosting.addWebAssets(props.webAssets);
    this.operations = new Operations(this, 'Operations', {
      httpApi: this.api.httpApi,
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
    });

    new CfnOutput(this, 'ApiUrl', { value: `${cdnUrl}/v1`, description: 'The API (through CloudFront)' });
    new CfnOutput(this, 'DirectApiUrl', { value: `${this.api.httpApi.apiEndpoint}/v1`, description: 'The API Gateway endpoint' });
    new CfnOutput(this, 'WidgetUrl', { value: `${cdnUrl}/widget.js`, description: 'The widget script' });
    new CfnOutput(this, 'PlatformTokenSecretName', {
      value: platformSecret.secretName,
      description: 'aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text',
    });
    suppressReviewedFindings(this, {
      dispatchDeadLetters: this.operations.dispatchDeadLetters,
      webhookPublishDeadLetters: this.operations.webhookPublishDeadLetters,
      platformSecret,
      webhookKey: this.webhooks.signingKey,
    });
  }
}
