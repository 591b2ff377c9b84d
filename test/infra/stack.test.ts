import { roleAdmitsPlatform } from '../../lib/domain/auth.js';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepJob } from '../../lib/jobs/sweep-stale-operators.js';
import { ChatDistributionStack } from '../../infra/stack.js';
import { ENDPOINTS as ALL_ROUTES, ROUTES } from '../../lib/routes/index.js';
import { INDEXES, QUEUE_INDEX } from '../../lib/store/table.js';
import { buildWeb, WEB_DIST } from '../../web/build.js';

/** Synthesized without bundling (the bundles are checked on their own); cdk-nag runs as in the app. */
function synth(envName = 'dev') {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ChatDistributionStack(app, `Test-${envName}`, { envName, webAssets: WEB_DIST });
  Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}

let stack: ChatDistributionStack;
let template: Template;
beforeAll(async () => {
  await buildWeb();
  ({ stack, template } = synth());
});

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(stack).getLogicalId((construct.node.defaultChild ?? construct) as never);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of the inline policies attached to a function's role. */
function statementsOf(functionName: string): Statement[] {
  const fn = functionName === 'sweep-stale-operators' ? stack.api.sweep : stack.api.functions.get(functionName)!;
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as never);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat());
const dynamoActionsOn = (statements: Statement[], tableId: string) =>
  statements
    .filter((statement) => JSON.stringify(statement.Resource).includes(tableId))
    .flatMap((statement) => [statement.Action].flat())
    .filter((action) => action.startsWith('dynamodb:'))
    .sort();

describe('the CDK stack', () => {
  it('has a route for every entry of the route table, each pointing at its own function', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route');
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    expect(Object.keys(routes)).toHaveLength(ALL_ROUTES.length);
    for (const route of ALL_ROUTES) {
      const [, found] = Object.entries(routes).find(
        ([, resource]) => (resource as { Properties: { RouteKey: string } }).Properties.RouteKey === `${route.method} ${route.path}`,
      ) ?? [undefined, undefined];
      expect(found, `${route.method} ${route.path}`).toBeDefined();
      const target = JSON.stringify((found as { Properties: { Target: unknown } }).Properties.Target);
      const integrationId = Object.keys(integrations).find((id) => target.includes(id))!;
      const uri = JSON.stringify((integrations[integrationId] as { Properties: { IntegrationUri: unknown } }).Properties.IntegrationUri);
      expect(uri).toContain(logicalId(stack.api.functions.get(route.name)!));
    }
  });

  it('runs every function on Node.js 24, arm64, with its own log group and retention', () => {
    const ours = [...stack.api.functions.values(), stack.api.sweep].map((fn) => logicalId(fn));
    const functions = Object.fromEntries(
      Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => ours.includes(id)),
    );
    expect(Object.keys(functions)).toHaveLength(new Set(ALL_ROUTES.map((route) => route.name)).size + 1);
    for (const resource of Object.values(functions)) {
      expect(resource).toMatchObject({ Properties: { Runtime: 'nodejs24.x', Architectures: ['arm64'] } });
      expect((resource as { Properties: { LoggingConfig?: unknown } }).Properties.LoggingConfig).toBeDefined();
    }
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThanOrEqual(Object.keys(functions).length);
    for (const group of logGroups) expect((group as { Properties: { RetentionInDays?: number } }).Properties.RetentionInDays).toBe(30);
  });

  it('grants each function exactly the table actions its route declares, and no wildcard action', () => {
    const tableId = logicalId(stack.data.table);
    const idempotencyId = logicalId(stack.data.idempotencyTable);
    for (const route of ROUTES) {
      const statements = statementsOf(route.name);
      expect(dynamoActionsOn(statements, tableId), route.name).toEqual(route.grants.table.map((action) => `dynamodb:${action}`).sort());
      expect(actionsOf(statements).some((action) => action.endsWith(':*') || action === '*'), route.name).toBe(false);
      const idempotencyActions = dynamoActionsOn(statements, idempotencyId);
      expect(idempotencyActions.length > 0, route.name).toBe(route.name === 'start-chat');
      const writesS3 = actionsOf(statements).includes('s3:PutObject');
      expect(writesS3, route.name).toBe(route.name === 'upload-avatar');
    }
    expect(dynamoActionsOn(statementsOf('sweep-stale-operators'), tableId)).toEqual(
      sweepJob.grants.table.map((action) => `dynamodb:${action}`).sort(),
    );
    for (const readOnly of ['get-settings', 'list-operators', 'get-stats', 'get-widget', 'list-operator-chats']) {
      const writes = dynamoActionsOn(statementsOf(readOnly), tableId).filter((action) => !/GetItem|Query/.test(action));
      expect(writes, readOnly).toEqual([]);
    }
  });

  it('lets only the functions that check tokens read the platform secret, and never exposes it', () => {
    const secretId = logicalId(stack.node.findChild('PlatformToken') as never);
    for (const route of ROUTES) {
      const readsSecret = statementsOf(route.name).some(
        (statement) => JSON.stringify(statement.Resource).includes(secretId) && actionsOf([statement]).includes('secretsmanager:GetSecretValue'),
      );
      expect(readsSecret, route.name).toBe(roleAdmitsPlatform(route.role));
    }
    const everything = JSON.stringify(template.toJSON());
    expect(everything).not.toMatch(/resolve:secretsmanager/);
    for (const resource of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const variables = (resource as { Properties: { Environment?: { Variables: Record<string, unknown> } } }).Properties.Environment
        ?.Variables;
      expect(variables?.PLATFORM_TOKEN).toBeUndefined();
      if (variables?.PLATFORM_TOKEN_SECRET_ID) expect(variables.PLATFORM_TOKEN_SECRET_ID).toEqual({ Ref: secretId });
    }
    const outputValues = JSON.stringify(Object.values(template.toJSON().Outputs as Record<string, { Value: unknown }>).map((output) => output.Value));
    expect(outputValues).not.toMatch(/SecretString|resolve:secretsmanager/);
  });

  it('runs the stale sweep every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.api.sweep), 'Arn'] } })],
    });
  });

  it('defines the table from the shared description: keys, indexes, on-demand, PITR, retained', () => {
    const table = template.findResources('AWS::DynamoDB::GlobalTable', {
      Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] },
    });
    const [id, resource] = Object.entries(table)[0]! as [string, { Properties: any; DeletionPolicy: string }];
    expect(id).toBe(logicalId(stack.data.table));
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(resource.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    const indexes = resource.Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: any }[];
    expect(indexes.map((index) => index.IndexName).sort()).toEqual(INDEXES.map((index) => index.indexName).sort());
    for (const index of INDEXES) {
      const found = indexes.find((candidate) => candidate.IndexName === index.indexName)!;
      expect(found.KeySchema).toEqual([
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ]);
    }
    const queue = indexes.find((index) => index.IndexName === QUEUE_INDEX.indexName)!;
    expect(queue.Projection.ProjectionType).toBe('INCLUDE');
    expect([...queue.Projection.NonKeyAttributes].sort()).toEqual([...QUEUE_INDEX.projectedAttributes].sort());
  });

  it('expires idempotency records by TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('protects production tables from deletion', () => {
    const prod = synth('prod').template;
    const tables = Object.values(prod.findResources('AWS::DynamoDB::GlobalTable')) as { Properties: any }[];
    const main = tables.find((table) => table.Properties.KeySchema.length === 2)!;
    expect(main.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    const dev = Object.values(template.findResources('AWS::DynamoDB::GlobalTable')) as { Properties: any }[];
    expect(dev.find((table) => table.Properties.KeySchema.length === 2)!.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
  });

  it('hardens the buckets: no public access, encryption, TLS only', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const [id, bucket] of Object.entries(buckets) as [string, { Properties: any }][]) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
        'AES256',
      );
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('serves the assets through CloudFront with origin access control, and the API under /v1/*', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CacheBehaviors: Match.arrayWith([Match.objectLike({ PathPattern: '/v1/*', ViewerProtocolPolicy: 'https-only' })]),
        Logging: Match.anyValue(),
      }),
    });
  });

  it('throttles the API stage and logs its access', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('raises alarms on API 5xx, table throttling and sweep errors', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5xx', Namespace: 'AWS/ApiGateway' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.api.sweep) } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('\\+') })]),
    });
  });

  it('hosts the web assets: widget.js on a short cache, its hashed copy for a year, avatars never pruned', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')) as { Properties: any }[];
    expect(deployments).toHaveLength(2);
    const main = deployments.find((deployment) => deployment.Properties.Prune !== false)!;
    expect(main.Properties.Exclude).toEqual(['avatars/*', 'widget.*.js']);
    expect(main.Properties.SystemMetadata['cache-control']).toBe('public, max-age=300');
    expect(main.Properties.DistributionPaths).toContain('/widget.js');
    const versioned = deployments.find((deployment) => deployment.Properties.Prune === false)!;
    expect(versioned.Properties.SystemMetadata['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('outputs the API URL, the widget URL and the name (not the value) of the platform secret', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'DirectApiUrl', 'WidgetUrl', 'PlatformTokenSecretName']));
    expect(JSON.stringify(outputs.WidgetUrl!.Value)).toContain('/widget.js');
  });

  it('passes the cdk-nag AwsSolutions pack with no unsuppressed finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((finding) => finding.entry.data)).toEqual([]);
    expect(warnings.map((finding) => finding.entry.data)).toEqual([]);
  });

  it('gives every suppression a specific reason', () => {
    const suppressions = (stack.templateOptions.metadata?.cdk_nag as { rules_to_suppress?: { reason: string }[] } | undefined)
      ?.rules_to_suppress;
    const fromMetadata = JSON.stringify(template.toJSON().Metadata ?? {});
    const reasons = suppressions?.map((rule) => rule.reason) ?? [...fromMetadata.matchAll(/"reason":"([^"]*)"/g)].map((m) => m[1]!);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason.length).toBeGreaterThan(40);
  });
});
