import type { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Resources with a finding of their own that was reviewed (suppressed on that resource only). */
export interface ReviewedResources {
  /** The on-failure destination of the dispatcher's event source mapping. */
  readonly dispatchDeadLetters: IConstruct;
  /** The on-failure destination of the webhook publisher's event source mapping. */
  readonly webhookPublishDeadLetters: IConstruct;
  /** The platform token's secret. */
  readonly platformSecret: IConstruct;
  /** The key the sites' webhook signing secrets are derived from. */
  readonly webhookKey: IConstruct;
}

/** Findings of the AwsSolutions pack that were reviewed and accepted, each with its reason. */
export function suppressReviewedFindings(stack: Stack, resources: ReviewedResources) {
  NagSuppressions.addResourceSuppressions(resources.dispatchDeadLetters, [
    {
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the on-failure destination of the dispatcher's DynamoDB stream event source mapping, which cdk-nag does not recognise as one (it only knows SQS redrive policies).",
    },
  ]);
  NagSuppressions.addResourceSuppressions(resources.webhookPublishDeadLetters, [
    {
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the on-failure destination of the webhook publisher's DynamoDB stream event source mapping, which cdk-nag does not recognise as one (it only knows SQS redrive policies).",
    },
  ]);
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
      id: 'AwsSolutions-IAM5',
      reason: 'The CDK-provided BucketDeployment function copies the web assets from the CDK asset bucket into the assets bucket and invalidates the CDN; its grants come from aws-s3-deployment.',
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
    {
      id: 'AwsSolutions-APIG4',
      reason: 'The contract authenticates with bearer tokens that the functions check against hashes in DynamoDB; visitor routes are public by design.',
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
