import type { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Resources with a finding of their own that was reviewed (suppressed on that resource only). */
export interface ReviewedResources {
  /** The service's functions (their roles hold the X-Ray and WebSocket grants). */
  readonly functions: readonly IConstruct[];
  /**
   * Queues that are themselves where failures go: the on-failure destinations of the stream
   * consumers' event source mappings (dispatcher, webhook publisher, live notifier) and of the
   * scheduled jobs (EventBridge target dead-letter queue and Lambda on-failure destination).
   */
  readonly consumerDeadLetters: readonly IConstruct[];
  /** The WebSocket API's stage (its access logs are opt-in). */
  readonly liveStage: IConstruct;
  /** The platform token's secret. */
  readonly platformSecret: IConstruct;
  /** The key the sites' webhook signing secrets are derived from. */
  readonly webhookKey: IConstruct;
}

/** Findings of the AwsSolutions pack that were reviewed and accepted, each with its reason. */
export function suppressReviewedFindings(stack: Stack, resources: ReviewedResources) {
  for (const queue of resources.consumerDeadLetters) {
    NagSuppressions.addResourceSuppressions(queue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter queue: the on-failure destination of a DynamoDB stream event source mapping, or of a scheduled job (EventBridge target DLQ and Lambda on-failure destination), which cdk-nag does not recognise as one (it only knows SQS redrive policies).',
      },
    ]);
  }
  NagSuppressions.addResourceSuppressions(resources.liveStage, [
    {
      id: 'AwsSolutions-APIG1',
      reason:
        "A WebSocket API writes access logs through the account-wide API Gateway CloudWatch Logs role, which this stack does not take over (without it the stage cannot be created): they are on with -c liveAccessLogs=true where the account has that role. Lambda records every invocation of the routes' functions in their own log groups.",
    },
  ]);
  for (const fn of resources.functions) {
    NagSuppressions.addResourceSuppressions(
      fn,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permission, so Lambda grants them on *.',
          appliesTo: ['Resource::*'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "Functions granted `live` post to and close the WebSocket API's connections (execute-api:ManageConnections), on this API's stage and these two methods only; connection ids exist only at run time.",
          appliesTo: [{ regex: '/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):execute-api:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):<LiveSocketApi[0-9A-F]{8}>\\/live\\/(POST|DELETE)\\/@connections\\/\\*$/g' }],
        },
      ],
      true,
    );
  }
  // The CDK's BucketDeployment function (present when web assets are deployed), on that function only.
  for (const handler of stack.node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'))) {
    NagSuppressions.addResourceSuppressions(
      handler,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'The CDK-provided BucketDeployment function copies the web assets from the CDK asset bucket into the assets bucket and invalidates the CDN; its grants come from aws-s3-deployment.',
          appliesTo: [
            'Action::s3:GetBucket*',
            'Action::s3:GetObject*',
            'Action::s3:List*',
            'Action::s3:Abort*',
            'Action::s3:DeleteObject*',
            'Resource::*',
            { regex: '/^Resource::arn:<AWS::Partition>:s3:::cdk-.*$/g' },
            { regex: '/^Resource::<HostingAssets[0-9A-F]{8}\\.Arn>\\/\\*$/g' },
          ],
        },
      ],
      true,
    );
  }
  NagSuppressions.addResourceSuppressions(resources.platformSecret, [
    {
      id: 'AwsSolutions-SMG4',
      reason: 'The platform token is handed to the platform operator out of band; rotating it needs a coordinated change on their side, done by hand (README).',
    },
  ]);
  NagSuppressions.addResourceSuppressions(resources.webhookKey, [
    {
      id: 'AwsSolutions-SMG4',
      reason:
        "Every site's webhook signing secret is derived from this key: a new key would break every receiver's signature check at once. Sites rotate their own secrets (POST /webhook-secret), which changes only their seed.",
    },
  ]);
  NagSuppressions.addStackSuppressions(stack, [
    {
      id: 'AwsSolutions-IAM4',
      reason: 'Lambda functions use AWSLambdaBasicExecutionRole, which only allows writing their own logs.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'The shared avatar is written under avatars/<siteId>/ of the assets bucket, and sites are created at run time; the only action is s3:PutObject.',
      appliesTo: [{ regex: '/^Resource::<HostingAssets[0-9A-F]{8}\\.Arn>\\/avatars\\/\\*$/g' }],
    },
    {
      id: 'AwsSolutions-APIG4',
      reason:
        'The contract authenticates with bearer tokens that the functions check against hashes in DynamoDB; visitor routes are public by design. The WebSocket API likewise: the token comes in the first message (never the URL), and a socket that has not authenticated within 10 s is closed.',
    },
    {
      id: 'AwsSolutions-CFR1',
      reason: 'The widget is embedded on customer sites worldwide; no geo restriction applies.',
    },
    {
      id: 'AwsSolutions-CFR2',
      reason: 'API Gateway stage throttling and per-request validation protect the API; a WAF web ACL is left to the deploying account.',
    },
    {
      id: 'AwsSolutions-CFR4',
      reason: 'The distribution uses the default CloudFront domain and certificate, which allows TLSv1 on the viewer side; a custom domain with TLSv1.2_2021 is configured per deployment.',
    },
    {
      id: 'AwsSolutions-L1',
      reason: 'Only the CDK-provided BucketDeployment function (which uploads the web assets at deploy time) runs an older managed runtime; the service functions run Node.js 24.',
    },
    {
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    },
  ]);
}
