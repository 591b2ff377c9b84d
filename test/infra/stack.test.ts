import { roleAdmitsPlatform } from '../../lib/domain/auth.js';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../infra/constructs/api.js';
import { DEADLINE_HANDLER_TIMEOUT, DEADLINE_MAX_RECEIVES } from '../../infra/constructs/deadlines.js';
import { LIVE_STAGE } from '../../infra/constructs/live.js';
import { ASSIGNED_METHODS, DISPATCHED_METHOD, DURATION_ALARM_SHARE, LATENCY_P99_ALARM_MS } from '../../infra/constructs/monitoring.js';
import {
  DEAD_LETTER_RETENTION,
  LIVE_PUSH_BATCH_SIZE,
  LIVE_PUSH_LATENCY_ALARM,
  LIVE_PUSH_MAX_RECORD_AGE,
  LIVE_PUSH_RETRY_ATTEMPTS,
  SCHEDULE_MAX_EVENT_AGE,
  SCHEDULE_RETRY_ATTEMPTS,
  DEADLINE_BATCH_SIZE,
  DEADLINE_MAX_AGE_SECONDS,
  DISPATCH_BATCH_SIZE,
  DISPATCH_LATENCY_BUDGET_MS,
  DISPATCH_MAX_RECORD_AGE,
  DISPATCH_RETRY_ATTEMPTS,
  WEBHOOK_PUBLISH_BATCH_SIZE,
  WEBHOOK_PUBLISH_LATENCY_ALARM,
  WEBHOOK_PUBLISH_MAX_RECORD_AGE,
  WEBHOOK_PUBLISH_RETRY_ATTEMPTS,
  WEBHOOK_SEND_BATCH_SIZE,
} from '../../infra/constructs/operations.js';
import { WEBHOOK_KEY_LENGTH, WEBHOOK_SENDER_TIMEOUT } from '../../infra/constructs/webhooks.js';
import type { Grants } from '../../lib/http/route.js';
import { webhookPublisherJob } from '../../lib/jobs/publish-webhook-events.js';
import { livePushJob } from '../../lib/jobs/push-live-events.js';
import { ASSIGNMENT_METHODS } from '../../lib/domain/distribution/index.js';
import { limitsOf } from '../../lib/function-limits.js';
import { SOCKET_ROUTES } from '../../lib/live/socket-routes.js';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/observability/metrics.js';
import { WEBHOOK_MAX_RECEIVES, WEBHOOK_RETRY_WINDOW_SECONDS } from '../../lib/webhooks/backoff.js';
import { DELIVERY_TIMEOUT_MS } from '../../lib/webhooks/post.js';
import { ChatDistributionStack } from '../../infra/stack.js';
import { MAX_DELAY_SECONDS } from '../../lib/deadlines/deadline.js';
import { DISPATCH_FILTER_PATTERNS } from '../../lib/jobs/dispatch-waiting-chats.js';
import { JOBS as LIB_JOBS } from '../../lib/jobs/index.js';
import { ENDPOINTS as ALL_ROUTES, ROUTES } from '../../lib/routes/index.js';
import { INDEXES, QUEUE_INDEX, TABLE_STREAM, TTL_ATTRIBUTE } from '../../lib/store/table.js';
import { buildWeb, WEB_DIST } from '../../web/build.js';

/** Synthesized without bundling (the bundles are checked on their own); cdk-nag runs as in the app. */
function synth(envName = 'dev', context: Record<string, unknown> = {}, env?: { account: string; region: string }) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new ChatDistributionStack(app, `Test-${envName}`, { envName, webAssets: WEB_DIST, ...(env ? { env } : {}) });
  Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  return { stack, template: Template.fromStack(stack), monitoring: Template.fromStack(stack.monitoring) };
}

let stack: ChatDistributionStack;
let template: Template;
/** The alarms, their topic and the dashboard: a nested stack of its own. */
let monitoring: Template;
beforeAll(async () => {
  await buildWeb();
  ({ stack, template, monitoring } = synth());
});

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(stack).getLogicalId((construct.node.defaultChild ?? construct) as never);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of the inline policies attached to a function's role (a route's or a job's). */
function statementsOf(functionName: string): Statement[] {
  const fn = stack.api.all().get(functionName)!;
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as never);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat());
/** Statements on the table's stream (its ARN is an attribute of the table resource). */
const onStream = (statement: Statement) => JSON.stringify(statement.Resource).includes('"StreamArn"');
/** The DynamoDB actions on the table or its indexes (not its stream). */
const dynamoActionsOn = (statements: Statement[], tableId: string) =>
  statements
    .filter((statement) => JSON.stringify(statement.Resource).includes(tableId) && !onStream(statement))
    .flatMap((statement) => [statement.Action].flat())
    .filter((action) => action.startsWith('dynamodb:'))
    .sort();

/** What the Query statements allow: 'table' or an index name, from the resources (GetAtt Arn, or a join with /index/<name>). */
function queryTargetsOf(statements: Statement[], tableId: string): string[] {
  const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
  return statements
    .filter((statement) => actionsOf([statement]).includes('dynamodb:Query'))
    .flatMap((statement) => [statement.Resource].flat())
    .map((resource) => {
      if (JSON.stringify(resource) === JSON.stringify(tableArn)) return 'table';
      const [, parts] = (resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      expect(parts[0]).toEqual(tableArn);
      return String(parts[1]).replace(/^\/index\//, '');
    })
    .sort();
}

const JOB_LIST = Object.values(JOBS);

type FunctionResource = {
  Properties: { Timeout?: number; MemorySize?: number; TracingConfig?: { Mode: string }; Environment?: { Variables: Record<string, unknown> } };
};

/** A function's resource in the template, by route, WebSocket route or job name. */
function functionResource(name: string): FunctionResource {
  const fn = stack.api.all().get(name)!;
  return template.toJSON().Resources[logicalId(fn)] as FunctionResource;
}

/** Every function's grants, by function name (a route's, a WebSocket route's, or a job's). */
const declaredGrants = () =>
  new Map<string, Grants>([
    ...ALL_ROUTES.map((route) => [route.name, route.grants] as const),
    ...SOCKET_ROUTES.map((route) => [route.name, route.grants] as const),
    ...JOB_LIST.map((job) => [job.name, job.grants] as const),
  ]);

/** Every function's name: routes', WebSocket routes' and jobs'. */
const allFunctionNames = () => [...stack.api.all().keys()];

type Alarm = { Properties: Record<string, any> };

/**
 * A value of the monitoring stack as the main stack gives it: a reference to the main stack
 * (a function's name, a queue's, the table's) is a parameter of the nested stack, set by the
 * main stack's AWS::CloudFormation::Stack resource.
 */
function inParent(value: unknown): unknown {
  const [nested] = Object.values(template.findResources('AWS::CloudFormation::Stack')) as { Properties: { Parameters: Record<string, unknown> } }[];
  const ref = (value as { Ref?: string } | null)?.Ref;
  return ref && nested!.Properties.Parameters[ref] !== undefined ? nested!.Properties.Parameters[ref] : value;
}

/** The monitoring stack's alarms, their dimensions resolved to the main stack's values. */
function alarms(): Alarm[] {
  return (Object.values(monitoring.findResources('AWS::CloudWatch::Alarm')) as Alarm[]).map((alarm) => ({
    Properties: {
      ...alarm.Properties,
      ...(alarm.Properties.Dimensions
        ? { Dimensions: (alarm.Properties.Dimensions as { Name: string; Value: unknown }[]).map((d) => ({ Name: d.Name, Value: inParent(d.Value) })) }
        : {}),
    },
  }));
}

/** The one alarm whose properties include these (dimensions as the main stack gives them). */
function alarmLike(properties: Record<string, unknown>): Alarm {
  const found = alarms().filter((alarm) => {
    try {
      expect(alarm.Properties).toMatchObject(properties);
      return true;
    } catch {
      return false;
    }
  });
  expect(found, JSON.stringify(properties)).toHaveLength(1);
  return found[0]!;
}

/** The statements of a function whose resource names this construct (its ARN, or any attribute of it). */
const statementsOn = (name: string, construct: { node: { defaultChild?: unknown } }) =>
  statementsOf(name).filter((statement) => JSON.stringify(statement.Resource).includes(`"${logicalId(construct)}"`));

/** The event source mapping that invokes a function (exactly one each). */
function mappingOf(fn: { node: { defaultChild?: unknown } }): { Properties: any } {
  const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { FunctionName: { Ref: logicalId(fn) } } }));
  expect(mappings).toHaveLength(1);
  return mappings[0] as { Properties: any };
}

/** The properties of a queue by its construct. */
const queueProperties = (queue: { node: { defaultChild?: unknown } }) =>
  (template.toJSON().Resources[logicalId(queue)] as { Properties: Record<string, any> }).Properties;

describe('the CDK stack', () => {
  it('has a route for every entry of the route table, each pointing at its own function', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: { Ref: logicalId(stack.api.httpApi) } } });
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

  it('runs every function on Node.js 24, arm64, traced by X-Ray, with its own log group and retention', () => {
    const ours = [...stack.api.all().values()].map((fn) => logicalId(fn));
    const functions = Object.fromEntries(
      Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => ours.includes(id)),
    );
    expect([...stack.api.jobs.keys()].sort()).toEqual(JOB_LIST.map((job) => job.name).sort());
    // Every job of lib/ is deployed, and nothing else; likewise every WebSocket route.
    expect(JOB_LIST.map((job) => job.name).sort()).toEqual(LIB_JOBS.map((job) => job.name).sort());
    expect([...stack.api.sockets.keys()].sort()).toEqual(SOCKET_ROUTES.map((route) => route.name).sort());
    expect(Object.keys(functions)).toHaveLength(new Set(ALL_ROUTES.map((route) => route.name)).size + SOCKET_ROUTES.length + JOB_LIST.length);
    // Every other Lambda function of the template is the CDK's BucketDeployment (the web assets).
    const others = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => !ours.includes(id));
    expect(others.every((id) => id.startsWith('CustomCDKBucketDeployment')), others.join()).toBe(true);
    for (const resource of Object.values(functions)) {
      expect(resource).toMatchObject({ Properties: { Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } } });
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
      expect(idempotencyActions.length > 0, route.name).toBe(route.grants.idempotency === true);
      const writesS3 = actionsOf(statements).includes('s3:PutObject');
      expect(writesS3, route.name).toBe(route.name === 'upload-avatar');
    }
    for (const route of SOCKET_ROUTES) {
      const statements = statementsOf(route.name);
      expect(dynamoActionsOn(statements, tableId), route.name).toEqual(route.grants.table.map((action) => `dynamodb:${action}`).sort());
      expect(queryTargetsOf(statements, tableId), route.name).toEqual([...new Set(route.grants.queries ?? [])].sort());
      expect(actionsOf(statements).some((action) => action.endsWith(':*') || action === '*'), route.name).toBe(false);
      expect(dynamoActionsOn(statements, idempotencyId), route.name).toEqual([]);
      expect(actionsOf(statements).filter((action) => /^(s3|secretsmanager):/.test(action)), route.name).toEqual([]);
    }
    for (const job of JOB_LIST) {
      const grants: Grants = job.grants;
      const statements = statementsOf(job.name);
      expect(dynamoActionsOn(statements, tableId), job.name).toEqual(grants.table.map((action) => `dynamodb:${action}`).sort());
      expect(queryTargetsOf(statements, tableId), job.name).toEqual([...new Set(grants.queries ?? [])].sort());
      expect(actionsOf(statements).some((action) => action.endsWith(':*') || action === '*'), job.name).toBe(false);
      expect(dynamoActionsOn(statements, idempotencyId), job.name).toEqual([]);
      // No job writes avatars; only the webhook sender reads a secret (the signing key, checked below).
      expect(actionsOf(statements).filter((action) => action.startsWith('s3:')), job.name).toEqual([]);
      expect(actionsOf(statements).filter((action) => action.startsWith('secretsmanager:')), job.name).toEqual(
        grants.webhookKey ? ['secretsmanager:GetSecretValue'] : [],
      );
    }
    for (const readOnly of ['get-settings', 'list-operators', 'get-stats', 'get-widget', 'list-operator-chats']) {
      const writes = dynamoActionsOn(statementsOf(readOnly), tableId).filter((action) => !/GetItem|Query/.test(action));
      // The one write of a report: the mark of a site from before the statistics' counters (engine/stats.ts).
      expect(writes, readOnly).toEqual(readOnly === 'get-stats' ? ['dynamodb:UpdateItem'] : []);
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

  it('lets only the dispatcher, the webhook publisher and the live notifier read the table stream, each send to its own dead-letter queue, as their event sources need', () => {
    const tableId = logicalId(stack.data.table);
    const streamArn = { 'Fn::GetAtt': [tableId, 'StreamArn'] };
    // Each stream reader and the on-failure destination of its mapping.
    const readers = new Map([
      [JOBS.dispatcher.name, stack.operations.dispatchDeadLetters],
      [JOBS.webhookPublisher.name, stack.operations.webhookPublishDeadLetters],
      [JOBS.livePush.name, stack.operations.livePushDeadLetters],
    ]);
    const deadLetterIds = [...readers.values()].map((queue) => logicalId(queue));
    for (const name of allFunctionNames()) {
      const statements = statementsOf(name);
      const onTheStream = statements.filter(onStream);
      const onDeadLetters = statements.filter((statement) => deadLetterIds.some((id) => JSON.stringify(statement.Resource).includes(id)));
      const own = readers.get(name);
      if (!own) {
        expect([...onTheStream, ...onDeadLetters], name).toEqual([]);
        continue;
      }
      for (const statement of [...onTheStream, ...onDeadLetters]) expect([statement.Resource].flat(), name).toHaveLength(1);
      expect(onTheStream.every((statement) => JSON.stringify(statement.Resource) === JSON.stringify(streamArn)), name).toBe(true);
      expect(actionsOf(onTheStream).sort(), name).toEqual(
        ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'].sort(),
      );
      // Its own dead letters only, never the other reader's.
      const ownArn = { 'Fn::GetAtt': [logicalId(own), 'Arn'] };
      expect(onDeadLetters.every((statement) => JSON.stringify(statement.Resource) === JSON.stringify(ownArn)), name).toBe(true);
      expect(actionsOf(onDeadLetters).sort(), name).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    }
  });

  it('runs the stale sweep and the queue repair every minute, each retried briefly, each failure to a queue of its own', () => {
    expect(SCHEDULE_RETRY_ATTEMPTS).toBe(2);
    expect(SCHEDULE_MAX_EVENT_AGE.toSeconds()).toBe(120);
    const failureQueues = new Map([
      [JOBS.sweep.name, stack.operations.sweepFailures],
      [JOBS.repair.name, stack.operations.repairFailures],
    ]);
    for (const fn of [stack.api.sweep, stack.api.repair]) {
      const name = [...stack.api.jobs].find(([, candidate]) => candidate === fn)![0];
      const failures = failureQueues.get(name)!;
      const failuresArn = { 'Fn::GetAtt': [logicalId(failures), 'Arn'] };
      // An invocation EventBridge cannot deliver goes to the target's dead-letter queue...
      const rules = template.findResources('AWS::Events::Rule', {
        Properties: {
          ScheduleExpression: 'rate(1 minute)',
          State: 'ENABLED',
          Targets: [
            Match.objectLike({
              Arn: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
              RetryPolicy: { MaximumRetryAttempts: SCHEDULE_RETRY_ATTEMPTS, MaximumEventAgeInSeconds: SCHEDULE_MAX_EVENT_AGE.toSeconds() },
              DeadLetterConfig: { Arn: failuresArn },
            }),
          ],
        },
      });
      expect(Object.keys(rules), name).toHaveLength(1);
      // ...which lets exactly that rule send to it, over TLS only.
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(failures) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Object.keys(rules)[0], 'Arn'] } } },
            }),
          ]),
        },
      });
      // ...and one the function fails goes to the same queue at once (the next minute's run is its retry).
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(fn) },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: SCHEDULE_MAX_EVENT_AGE.toSeconds(),
        DestinationConfig: { OnFailure: { Destination: failuresArn } },
      });
      expect(queueProperties(failures)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: DEAD_LETTER_RETENTION.toSeconds() });
      // Lambda sends there under the job's role; no other function may.
      for (const other of allFunctionNames()) {
        const onFailures = statementsOn(other, failures);
        if (other !== name) expect(onFailures, other).toEqual([]);
        else expect(actionsOf(onFailures).sort(), other).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
      }
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
      });
    }
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
  });

  it('feeds the dispatcher the filtered table stream: partial batch failures, halving, bounded retries, a dead-letter queue', () => {
    // The dispatcher's, the webhook publisher's and the live notifier's (the stream), the deadline handler's and the webhook sender's (their queues).
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 5);
    const mapping = mappingOf(stack.api.dispatcher);
    expect(mapping!.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.data.table), 'StreamArn'] });
    // The very patterns the local stream reader applies (lib/jobs/dispatch-waiting-chats.ts), one filter each.
    expect(mapping!.Properties.FilterCriteria).toEqual({
      Filters: DISPATCH_FILTER_PATTERNS.map((pattern) => ({ Pattern: JSON.stringify(pattern) })),
    });
    expect(DISPATCH_FILTER_PATTERNS.length).toBeGreaterThan(0);
    expect(mapping!.Properties).toMatchObject({
      StartingPosition: 'LATEST',
      BatchSize: DISPATCH_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: DISPATCH_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: DISPATCH_MAX_RECORD_AGE.toSeconds(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.operations.dispatchDeadLetters), 'Arn'] } } },
    });
    expect(DISPATCH_BATCH_SIZE).toBe(100);
    expect(DISPATCH_RETRY_ATTEMPTS).toBe(10);
    expect(mapping!.Properties.MaximumRecordAgeInSeconds).toBe(3600);
    expect(mapping!.Properties.Enabled ?? true).toBe(true);
  });

  it('keeps the dispatcher dead letters encrypted, TLS only, for 14 days', () => {
    const queueId = logicalId(stack.operations.dispatchDeadLetters);
    // The dispatcher's dead letters, the deadline queue and its dead letters, the webhook queue,
    // its dead letters, the webhook publisher's and the live notifier's dead letters, and the
    // sweep's and the repair's failures.
    template.resourceCountIs('AWS::SQS::Queue', 9);
    expect(queueProperties(stack.operations.dispatchDeadLetters)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('queues deadlines encrypted and TLS only, redriven to a dead-letter queue after 5 receives, hidden 6× the handler timeout', () => {
    const queue = queueProperties(stack.deadlines.queue);
    const deadLetters = queueProperties(stack.deadlines.deadLetters);
    const deadLettersId = logicalId(stack.deadlines.deadLetters);
    for (const [id, properties] of [
      [logicalId(stack.deadlines.queue), queue],
      [deadLettersId, deadLetters],
    ] as const) {
      expect(properties.SqsManagedSseEnabled, id).toBe(true);
      // Standard queues: a FIFO queue has no per-message delay.
      expect(properties.FifoQueue, id).toBeUndefined();
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] }, maxReceiveCount: DEADLINE_MAX_RECEIVES });
    expect(DEADLINE_MAX_RECEIVES).toBe(5);
    // AWS: at least six times the timeout of the function the queue's event source invokes.
    const handlerTimeout = functionResource(JOBS.deadlines.name).Properties.Timeout!;
    expect(handlerTimeout).toBe(DEADLINE_HANDLER_TIMEOUT.toSeconds());
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * handlerTimeout);
    // Kept past the longest delay and every receive, and the dead letters longer than the queue
    // (a standard queue's dead letter keeps its first enqueue time): 14 days, SQS's longest.
    expect(queue.MessageRetentionPeriod).toBeGreaterThan(MAX_DELAY_SECONDS + DEADLINE_MAX_RECEIVES * queue.VisibilityTimeout);
    expect(deadLetters.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(deadLetters.MessageRetentionPeriod).toBeGreaterThan(queue.MessageRetentionPeriod);
    expect(deadLetters.RedrivePolicy).toBeUndefined();
  });

  it('feeds the deadline handler its queue: batches of 10 at once, partial batch failures', () => {
    const mapping = mappingOf(stack.api.deadlineHandler);
    expect(mapping.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.deadlines.queue), 'Arn'] });
    expect(mapping.Properties).toMatchObject({
      BatchSize: DEADLINE_BATCH_SIZE,
      // A deadline is handled as soon as it is visible, not held for a batch.
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(DEADLINE_BATCH_SIZE).toBe(10);
    expect(mapping.Properties.Enabled ?? true).toBe(true);
    // A queue's failures go to its redrive policy's dead-letter queue, not to an on-failure destination.
    expect(mapping.Properties.DestinationConfig).toBeUndefined();
    expect(mapping.Properties.FilterCriteria).toBeUndefined();
  });

  it("lets the deadline handler's event source consume the deadline queue, and no other function touch it but to send", () => {
    const queueArn = { 'Fn::GetAtt': [logicalId(stack.deadlines.queue), 'Arn'] };
    const deadLettersId = logicalId(stack.deadlines.deadLetters);
    const consume = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
    for (const name of allFunctionNames()) {
      const statements = statementsOf(name);
      const onTheQueue = statements.filter((statement) => JSON.stringify(statement.Resource).includes(logicalId(stack.deadlines.queue)));
      for (const statement of onTheQueue) expect(statement.Resource, name).toEqual(queueArn);
      const sends = declaredGrants().get(name)?.deadlines === true ? ['sqs:SendMessage'] : [];
      const consumes = name === JOBS.deadlines.name ? consume : [];
      expect(actionsOf(onTheQueue).sort(), name).toEqual([...sends, ...consumes].sort());
      // Nobody reads or writes the dead letters (the redrive is SQS's own).
      expect(statements.filter((statement) => JSON.stringify(statement.Resource).includes(deadLettersId)), name).toEqual([]);
    }
  });

  it('sends deadlines from the functions granted `deadlines` (SendMessage on the deadline queue, and its URL) and from no other', () => {
    const queueId = logicalId(stack.deadlines.queue);
    const dispatchDeadLettersId = logicalId(stack.operations.dispatchDeadLetters);
    const senders: string[] = [];
    for (const [name, grants] of declaredGrants()) {
      const statements = statementsOf(name);
      const sendStatements = statements.filter((statement) => actionsOf([statement]).includes('sqs:SendMessage'));
      const toDeadlines = sendStatements.filter((statement) => JSON.stringify(statement.Resource).includes(queueId));
      const elsewhere = sendStatements.filter((statement) => !toDeadlines.includes(statement));
      const url = functionResource(name).Properties.Environment?.Variables.DEADLINE_QUEUE_URL;
      // The stream readers' event sources send their failed batches to their own dead-letter
      // queues (whether or not they send deadlines), the scheduled jobs' failed runs go to their
      // failure queues; the webhook publisher sends events.
      const ownDeadLetters =
        {
          [JOBS.dispatcher.name]: [dispatchDeadLettersId],
          [JOBS.webhookPublisher.name]: [logicalId(stack.webhooks.queue), logicalId(stack.operations.webhookPublishDeadLetters)],
          [JOBS.livePush.name]: [logicalId(stack.operations.livePushDeadLetters)],
          [JOBS.sweep.name]: [logicalId(stack.operations.sweepFailures)],
          [JOBS.repair.name]: [logicalId(stack.operations.repairFailures)],
        }[name] ?? [];
      expect(
        elsewhere.map((statement) => (statement.Resource as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0]),
        name,
      ).toEqual(expect.arrayContaining(ownDeadLetters));
      expect(elsewhere, name).toHaveLength(ownDeadLetters.length);
      if (grants.deadlines) {
        senders.push(name);
        expect(toDeadlines, name).toEqual([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } }]);
        // The queue's Ref is its URL.
        expect(url, name).toEqual({ Ref: queueId });
      } else {
        expect(toDeadlines, name).toEqual([]);
        expect(url, name).toBeUndefined();
      }
    }
    // The chat start (an answer timeout, or a group chat that waits), the dispatcher (the answer
    // timeouts of the chats it assigns), a transfer (the new assignment's answer timeout, or the
    // group's fallback), the handler (a deadline not due yet, sent again; a chat taken back
    // into a group; an operator's next liveness check), the repair (the answer timeouts of what
    // it assigns), $connect (the connection's 10 s to authenticate), a settings update (the next
    // page of a new heartbeat timeout), a status change (the operator's first liveness check) and
    // the stale sweep (the next check of an operator whose check message was lost).
    expect(senders.sort()).toEqual(
      ['start-chat', 'transfer-chat', 'update-settings', 'live-connect', 'set-operator-status', JOBS.dispatcher.name, JOBS.deadlines.name, JOBS.repair.name, JOBS.sweep.name].sort(),
    );
  });

  it('queues webhook events encrypted and TLS only, redriven to a dead-letter queue after WEBHOOK_MAX_RECEIVES receives, hidden 6× the sender timeout, kept past the 24 h of retries', () => {
    const queue = queueProperties(stack.webhooks.queue);
    const deadLetters = queueProperties(stack.webhooks.deadLetters);
    const deadLettersId = logicalId(stack.webhooks.deadLetters);
    for (const [id, properties] of [
      [logicalId(stack.webhooks.queue), queue],
      [deadLettersId, deadLetters],
      [logicalId(stack.operations.webhookPublishDeadLetters), queueProperties(stack.operations.webhookPublishDeadLetters)],
    ] as const) {
      expect(properties.SqsManagedSseEnabled, id).toBe(true);
      expect(properties.FifoQueue, id).toBeUndefined();
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
    // The sender counts its deliveries against the very number SQS moves an event to the dead letters after.
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] }, maxReceiveCount: WEBHOOK_MAX_RECEIVES });
    expect(WEBHOOK_MAX_RECEIVES).toBeGreaterThan(1);
    expect(deadLetters.RedrivePolicy).toBeUndefined();
    // AWS: at least six times the timeout of the function the queue's event source invokes.
    const senderTimeout = functionResource(JOBS.webhookSender.name).Properties.Timeout!;
    expect(senderTimeout).toBe(WEBHOOK_SENDER_TIMEOUT.toSeconds());
    expect(queue.VisibilityTimeout).toBe(6 * senderTimeout);
    // An event's retries span 24 hours from its first delivery: the queue keeps it well past that,
    // and the dead letters (which keep a message's first enqueue time) the longest SQS allows.
    expect(WEBHOOK_RETRY_WINDOW_SECONDS).toBe(24 * 3600);
    expect(queue.MessageRetentionPeriod).toBeGreaterThanOrEqual(WEBHOOK_RETRY_WINDOW_SECONDS + 24 * 3600);
    expect(queue.MessageRetentionPeriod).toBe(4 * 24 * 3600);
    expect(deadLetters.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(queueProperties(stack.operations.webhookPublishDeadLetters).MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(queueProperties(stack.operations.webhookPublishDeadLetters).RedrivePolicy).toBeUndefined();
  });

  it("feeds the webhook publisher the table stream through the job's own filters: partial batch failures, halving, bounded retries, its own dead-letter queue", () => {
    const mapping = mappingOf(stack.api.webhookPublisher);
    expect(mapping.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.data.table), 'StreamArn'] });
    // The very patterns the local stream reader applies for it (chats written, messages created), one filter each.
    expect(mapping.Properties.FilterCriteria).toEqual({
      Filters: webhookPublisherJob.filterPatterns.map((pattern) => ({ Pattern: JSON.stringify(pattern) })),
    });
    expect(webhookPublisherJob.filterPatterns.length).toBe(2);
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'LATEST',
      BatchSize: WEBHOOK_PUBLISH_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: WEBHOOK_PUBLISH_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: WEBHOOK_PUBLISH_MAX_RECORD_AGE.toSeconds(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.operations.webhookPublishDeadLetters), 'Arn'] } } },
    });
    expect(WEBHOOK_PUBLISH_BATCH_SIZE).toBe(100);
    expect(WEBHOOK_PUBLISH_RETRY_ATTEMPTS).toBe(10);
    // Given up on while the stream (24 h) still holds the records, to replay them from their positions.
    expect(mapping.Properties.MaximumRecordAgeInSeconds).toBe(6 * 3600);
    expect(mapping.Properties.MaximumRecordAgeInSeconds).toBeLessThan(24 * 3600);
    expect(mapping.Properties.Enabled ?? true).toBe(true);
    // Its own mapping, not the dispatcher's: a failing publisher never holds up routing.
    expect(logicalId(stack.api.webhookPublisher)).not.toBe(logicalId(stack.api.dispatcher));
  });

  it('feeds the webhook sender its queue: batches of 10 at once, partial batch failures; its timeout holds a batch of deliveries side by side', () => {
    const mapping = mappingOf(stack.api.webhookSender);
    expect(mapping.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.webhooks.queue), 'Arn'] });
    expect(mapping.Properties).toMatchObject({
      BatchSize: WEBHOOK_SEND_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(WEBHOOK_SEND_BATCH_SIZE).toBe(10);
    expect(mapping.Properties.Enabled ?? true).toBe(true);
    // A queue's failures go to its redrive policy's dead-letter queue, not to an on-failure destination.
    expect(mapping.Properties.DestinationConfig).toBeUndefined();
    expect(mapping.Properties.FilterCriteria).toBeUndefined();
    // The deliveries of a batch run side by side, each cut off after DELIVERY_TIMEOUT_MS; twice that
    // and more is left for the site reads, the delivery records and the key's read.
    const timeout = functionResource(JOBS.webhookSender.name).Properties.Timeout!;
    expect(DELIVERY_TIMEOUT_MS).toBe(5000);
    expect(timeout).toBeGreaterThanOrEqual(3 * (DELIVERY_TIMEOUT_MS / 1000));
    expect(timeout).toBe(30);
    expect(functionResource(JOBS.webhookPublisher.name).Properties.Timeout).toBe(30);
  });

  it('lets the publisher send to the webhook queue, the sender change a received event’s visibility (its event source consumes), nobody else touch it, and nobody the dead letters', () => {
    const queueId = logicalId(stack.webhooks.queue);
    const queueArn = { 'Fn::GetAtt': [queueId, 'Arn'] };
    const consume = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
    const byGrant = { publish: ['sqs:SendMessage'], deliver: ['sqs:ChangeMessageVisibility'] } as const;
    const granted: Record<string, string[]> = {};
    for (const name of allFunctionNames()) {
      const grants = declaredGrants().get(name)!;
      const onTheQueue = statementsOn(name, stack.webhooks.queue);
      for (const statement of onTheQueue) expect(statement.Resource, name).toEqual(queueArn);
      // The declared grant is a statement of its own (whatever the event source adds).
      if (grants.webhooks) expect(onTheQueue, name).toContainEqual({ Effect: 'Allow', Action: byGrant[grants.webhooks][0], Resource: queueArn });
      const consumes = name === JOBS.webhookSender.name ? consume : [];
      expect(actionsOf(onTheQueue).sort(), name).toEqual([...(grants.webhooks ? byGrant[grants.webhooks] : []), ...consumes].sort());
      // Its URL goes with the grant: the queue's Ref is its URL.
      const url = functionResource(name).Properties.Environment?.Variables.WEBHOOK_QUEUE_URL;
      expect(url, name).toEqual(grants.webhooks ? { Ref: queueId } : undefined);
      if (grants.webhooks) granted[name] = [grants.webhooks];
      expect(statementsOn(name, stack.webhooks.deadLetters), name).toEqual([]);
    }
    expect(granted).toEqual({ [JOBS.webhookPublisher.name]: ['publish'], [JOBS.webhookSender.name]: ['deliver'] });
  });

  it('generates the webhook signing key (64 letters and digits) and lets exactly the functions granted `webhookKey` read its value, by its ARN', () => {
    const keyId = logicalId(stack.webhooks.signingKey);
    const platformId = logicalId(stack.node.findChild('PlatformToken') as never);
    expect(WEBHOOK_KEY_LENGTH).toBeGreaterThanOrEqual(48);
    expect((template.toJSON().Resources[keyId] as { Type: string; Properties: any })).toMatchObject({
      Type: 'AWS::SecretsManager::Secret',
      Properties: { GenerateSecretString: { PasswordLength: WEBHOOK_KEY_LENGTH, ExcludePunctuation: true, IncludeSpace: false } },
    });
    const readers: string[] = [];
    for (const name of allFunctionNames()) {
      const grants = declaredGrants().get(name)!;
      const onTheKey = statementsOn(name, stack.webhooks.signingKey);
      const variables = functionResource(name).Properties.Environment?.Variables;
      expect(variables?.WEBHOOK_SIGNING_KEY, name).toBeUndefined();
      if (grants.webhookKey) {
        readers.push(name);
        expect(onTheKey, name).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: keyId } }]);
        // The secret's Ref is its ARN: the id, not the value.
        expect(variables?.WEBHOOK_SIGNING_KEY_SECRET_ID, name).toEqual({ Ref: keyId });
      } else {
        expect(onTheKey, name).toEqual([]);
        expect(variables?.WEBHOOK_SIGNING_KEY_SECRET_ID, name).toBeUndefined();
      }
      // Any secret a function reads is the platform token (its route admits the platform) or this key.
      for (const statement of statementsOf(name).filter((candidate) => actionsOf([candidate]).some((action) => action.startsWith('secretsmanager:')))) {
        expect([{ Ref: keyId }, { Ref: platformId }], name).toContainEqual(statement.Resource);
        expect(statement.Action, name).toBe('secretsmanager:GetSecretValue');
      }
    }
    // A first webhook URL's secret, a rotated secret, and each delivery's signature.
    expect(readers.sort()).toEqual(['rotate-webhook-secret', 'update-settings', JOBS.webhookSender.name].sort());
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
    // The stream the dispatcher reads, and TTL on the attribute of the items that expire (the hourly close counters).
    expect(resource.Properties.StreamSpecification).toEqual({ StreamViewType: TABLE_STREAM.StreamViewType });
    expect(TABLE_STREAM.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(resource.Properties.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('projects at most 20 non-key attributes into each index (DynamoDB refuses more in one Projection)', () => {
    const [main] = Object.values(
      template.findResources('AWS::DynamoDB::GlobalTable', { Properties: { KeySchema: Match.arrayWith([{ AttributeName: 'sk', KeyType: 'RANGE' }]) } }),
    ) as { Properties: any }[];
    for (const index of main!.Properties.GlobalSecondaryIndexes as { IndexName: string; Projection: { NonKeyAttributes?: string[] } }[]) {
      expect(index.Projection.NonKeyAttributes?.length ?? 0, index.IndexName).toBeLessThanOrEqual(20);
    }
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

  it("deploys every function with its timeout and memory from lib/function-limits.ts, and the queues' visibility follows them", () => {
    const names = allFunctionNames();
    expect(names.length).toBe(new Set(ALL_ROUTES.map((route) => route.name)).size + SOCKET_ROUTES.length + JOB_LIST.length);
    for (const name of names) {
      const { Timeout, MemorySize } = functionResource(name).Properties;
      expect({ Timeout, MemorySize }, name).toEqual({ Timeout: limitsOf(name).timeoutSeconds, MemorySize: limitsOf(name).memoryMb });
    }
    // AWS: a queue's visibility timeout at least six times its consumer's timeout.
    expect(queueProperties(stack.deadlines.queue).VisibilityTimeout).toBe(6 * limitsOf(JOBS.deadlines.name).timeoutSeconds);
    expect(queueProperties(stack.webhooks.queue).VisibilityTimeout).toBe(6 * limitsOf(JOBS.webhookSender.name).timeoutSeconds);
  });

  it('serves the WebSocket API: $connect, $default and $disconnect each to its own function, on an auto-deployed, throttled stage, its access logs on when asked', () => {
    const apiId = logicalId(stack.live.api);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' });
    const routes = template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: { Ref: apiId } } }) as Record<string, { Properties: any }>;
    expect(Object.values(routes).map((route) => route.Properties.RouteKey).sort()).toEqual(SOCKET_ROUTES.map((route) => route.routeKey).sort());
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration', { Properties: { ApiId: { Ref: apiId } } });
    for (const route of SOCKET_ROUTES) {
      const [, found] = Object.entries(routes).find(([, resource]) => resource.Properties.RouteKey === route.routeKey)!;
      const integrationId = Object.keys(integrations).find((id) => JSON.stringify(found.Properties.Target).includes(id))!;
      const integration = integrations[integrationId] as { Properties: { IntegrationType: string; IntegrationUri: unknown } };
      expect(integration.Properties.IntegrationType, route.routeKey).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Properties.IntegrationUri), route.routeKey).toContain(logicalId(stack.api.sockets.get(route.name)!));
      // API Gateway may invoke it.
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalId(stack.api.sockets.get(route.name)!), 'Arn'] },
      });
    }
    expect(new Set(SOCKET_ROUTES.map((route) => route.name)).size).toBe(SOCKET_ROUTES.length);
    // The stage: deployed on every change, the same throttle as the HTTP stage. Its access logs
    // need the account's API Gateway CloudWatch Logs role (an account-wide setting): off unless asked.
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: apiId },
      StageName: LIVE_STAGE,
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: Match.absent(),
    });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    const prod = synth('prod', { liveAccessLogs: 'true' });
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: LIVE_STAGE,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [prod.stack.getLogicalId(prod.stack.live.accessLogs!.node.defaultChild as never), 'Arn'] },
        Format: Match.stringLikeRegexp('connectionId'),
      },
    });
    expect(Annotations.fromStack(prod.stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(() => synth('dev', { liveAccessLogs: 'yes' })).toThrow(/liveAccessLogs/);
  });

  it('tells every route where the pages connect (LIVE_URL, the wss:// URL of the stage), and outputs it', () => {
    const apiRef = { Ref: logicalId(stack.live.api) };
    const url = { 'Fn::Join': ['', ['wss://', apiRef, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, `/${LIVE_STAGE}`]] };
    for (const name of allFunctionNames()) {
      const expected = stack.api.functions.has(name) ? url : undefined;
      expect(functionResource(name).Properties.Environment?.Variables.LIVE_URL, name).toEqual(expected);
    }
    expect(functionResource('get-widget').Properties.Environment?.Variables.LIVE_URL).toEqual(url);
    expect(functionResource('get-me').Properties.Environment?.Variables.LIVE_URL).toEqual(url);
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>).LiveUrl!.Value).toEqual(url);
  });

  it("lets exactly the functions granted `live` post to and close the WebSocket API's connections (its stage only), with its Management API endpoint", () => {
    const apiRef = { Ref: logicalId(stack.live.api) };
    const connections = (method: string) => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', apiRef, `/${LIVE_STAGE}/${method}/@connections/*`],
      ],
    });
    const endpoint = { 'Fn::Join': ['', ['https://', apiRef, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, `/${LIVE_STAGE}`]] };
    const granted: string[] = [];
    for (const name of allFunctionNames()) {
      const grants = declaredGrants().get(name)!;
      const onConnections = statementsOf(name).filter((statement) => actionsOf([statement]).some((action) => action.startsWith('execute-api:')));
      const endpointVariable = functionResource(name).Properties.Environment?.Variables.LIVE_MANAGEMENT_ENDPOINT;
      // Nobody else touches the WebSocket API.
      const onTheApi = statementsOf(name).filter((statement) => JSON.stringify(statement.Resource).includes(`"${apiRef.Ref}"`));
      expect(onTheApi, name).toEqual(onConnections);
      if (!grants.live) {
        expect(onConnections, name).toEqual([]);
        expect(endpointVariable, name).toBeUndefined();
        continue;
      }
      granted.push(name);
      // The notifier only posts; the others also close connections.
      const resources = grants.live === 'post' ? connections('POST') : [connections('POST'), connections('DELETE')];
      expect(onConnections, name).toEqual([{ Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: resources }]);
      expect(endpointVariable, name).toEqual(endpoint);
    }
    // The auth frame's answer (and a refusal's close), the auth deadline's close, the notifier's pushes.
    expect(granted.sort()).toEqual(['live-message', JOBS.deadlines.name, JOBS.livePush.name].sort());
  });

  it("feeds the live notifier the table stream through the job's own filters: its own mapping, few retries, records a minute old given up to its own dead-letter queue", () => {
    const mapping = mappingOf(stack.api.livePush);
    expect(mapping.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.data.table), 'StreamArn'] });
    expect(mapping.Properties.FilterCriteria).toEqual({
      Filters: livePushJob.filterPatterns.map((pattern) => ({ Pattern: JSON.stringify(pattern) })),
    });
    expect(livePushJob.filterPatterns.length).toBeGreaterThan(0);
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'LATEST',
      BatchSize: LIVE_PUSH_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: LIVE_PUSH_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: LIVE_PUSH_MAX_RECORD_AGE.toSeconds(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.operations.livePushDeadLetters), 'Arn'] } } },
    });
    // A push is worth little late (the pages poll when they miss one): the shortest record age Lambda allows.
    expect(mapping.Properties.MaximumRecordAgeInSeconds).toBe(60);
    expect(LIVE_PUSH_RETRY_ATTEMPTS).toBeLessThanOrEqual(3);
    expect(mapping.Properties.Enabled ?? true).toBe(true);
    expect(queueProperties(stack.operations.livePushDeadLetters)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(stack.operations.livePushDeadLetters) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('puts every alarm in the monitoring stack, each notifying the alarm topic when it fires and when it recovers', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::CloudFormation::Stack', 1);
    const topic = { Ref: stack.monitoring.getLogicalId(stack.monitoring.topic.node.defaultChild as never) };
    const all = alarms();
    expect(all.length).toBe(stack.monitoring.alarms.length);
    for (const alarm of all) {
      expect(alarm.Properties.AlarmActions, alarm.Properties.AlarmDescription).toEqual([topic]);
      expect(alarm.Properties.OKActions, alarm.Properties.AlarmDescription).toEqual([topic]);
      expect(alarm.Properties.AlarmDescription.length).toBeGreaterThan(20);
    }
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.AlarmTopicArn!.Value)).toContain(logicalId(stack.monitoring));
  });

  it('encrypts the alarm topic with a rotating key CloudWatch may use, publishes over TLS only, and lets CloudWatch alarms of this account publish', () => {
    const keyId = stack.monitoring.getLogicalId(stack.monitoring.topic.masterKey!.node.defaultChild as never);
    const topicId = stack.monitoring.getLogicalId(stack.monitoring.topic.node.defaultChild as never);
    monitoring.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    monitoring.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    monitoring.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: { Ref: topicId },
            Condition: {
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          }),
        ]),
      },
    });
  });

  it('e-mails the alarms to `alarmEmail` from the context, and to nobody when it is absent', () => {
    monitoring.resourceCountIs('AWS::SNS::Subscription', 0);
    const withEmail = synth('dev', { alarmEmail: 'ops@example.com' });
    withEmail.monitoring.resourceCountIs('AWS::SNS::Subscription', 1);
    withEmail.monitoring.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: withEmail.stack.monitoring.getLogicalId(withEmail.stack.monitoring.topic.node.defaultChild as never) },
    });
    synth('dev', { alarmEmail: '' }).monitoring.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(() => synth('dev', { alarmEmail: 'not an address' })).toThrow(/alarmEmail/);
  });

  it("raises each function's alarms: any error, any throttle, and a run of 80 % of its timeout or more", () => {
    expect(DURATION_ALARM_SHARE).toBe(0.8);
    const common = { Namespace: 'AWS/Lambda', Period: 300, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' };
    for (const [name, fn] of stack.api.all()) {
      const dimensions = [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }];
      alarmLike({ ...common, MetricName: 'Errors', Dimensions: dimensions, Statistic: 'Sum', Threshold: 1 });
      alarmLike({ ...common, MetricName: 'Throttles', Dimensions: dimensions, Statistic: 'Sum', Threshold: 1 });
      const duration = alarmLike({ ...common, MetricName: 'Duration', Dimensions: dimensions, Statistic: 'Maximum' });
      expect(duration.Properties.Threshold, name).toBe(0.8 * limitsOf(name).timeoutSeconds * 1000);
    }
    // The jobs' errors say what a failure means to the service.
    expect(alarmLike({ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.api.dispatcher) } }] }).Properties.AlarmDescription).toMatch(
      /dispatcher/,
    );
  });

  it('raises alarms on API 5xx, table and index write throttling, dead letters and failed scheduled runs, late deadlines, and late stream consumers', () => {
    alarmLike({ MetricName: '5xx', Namespace: 'AWS/ApiGateway', Statistic: 'Sum', Threshold: 5 });
    // The table's throttled requests, summed over the operations the service sends.
    const throttling = alarms().filter((alarm) =>
      (alarm.Properties.Metrics as { Expression?: string }[] | undefined)?.some((metric) => metric.Expression?.includes('+')),
    );
    expect(throttling).toHaveLength(1);
    expect(throttling[0]!.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    // Each index of the table: its own write throttling (a throttled index throttles the table's writes).
    const tableName = { Ref: logicalId(stack.data.table) };
    for (const index of INDEXES) {
      alarmLike({
        Namespace: 'AWS/DynamoDB',
        MetricName: 'WriteThrottleEvents',
        Dimensions: [
          { Name: 'GlobalSecondaryIndexName', Value: index.indexName },
          { Name: 'TableName', Value: tableName },
        ],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    for (const deadLetters of [
      stack.operations.dispatchDeadLetters,
      stack.deadlines.deadLetters,
      stack.webhooks.deadLetters,
      stack.operations.webhookPublishDeadLetters,
      stack.operations.livePushDeadLetters,
      stack.operations.sweepFailures,
      stack.operations.repairFailures,
    ]) {
      alarmLike({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(deadLetters), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    // A deadline is visible at most 900 s after it was sent: older than that and a margin, the
    // handler is behind. The margin lets one failed receive come back (the visibility timeout) unalarmed.
    expect(MAX_DELAY_SECONDS).toBe(900);
    const visibility = queueProperties(stack.deadlines.queue).VisibilityTimeout as number;
    expect(DEADLINE_MAX_AGE_SECONDS).toBeGreaterThan(MAX_DELAY_SECONDS + visibility);
    expect(DEADLINE_MAX_AGE_SECONDS).toBeLessThanOrEqual(MAX_DELAY_SECONDS + 600);
    alarmLike({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.deadlines.queue), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: DEADLINE_MAX_AGE_SECONDS,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    // The contract's 2 s from the event to the assignment.
    expect(DISPATCH_LATENCY_BUDGET_MS).toBe(2000);
    const iteratorAge = (fn: { node: { defaultChild?: unknown } }) => ({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
      Statistic: 'Maximum',
      Period: 60,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    alarmLike({ ...iteratorAge(stack.api.dispatcher), EvaluationPeriods: 1, Threshold: DISPATCH_LATENCY_BUDGET_MS });
    // Webhook events are not held to 2 s, but a publisher minutes behind the writes means late receivers.
    expect(WEBHOOK_PUBLISH_LATENCY_ALARM.toSeconds()).toBe(300);
    alarmLike({ ...iteratorAge(stack.api.webhookPublisher), EvaluationPeriods: 1, Threshold: WEBHOOK_PUBLISH_LATENCY_ALARM.toMilliseconds() });
    // Pushes seconds late, three minutes in a row.
    alarmLike({ ...iteratorAge(stack.api.livePush), EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: LIVE_PUSH_LATENCY_ALARM.toMilliseconds() });
  });

  it("raises alarms on the service's own metrics: dispatch and reassignment latency p99 at 2 s", () => {
    expect(LATENCY_P99_ALARM_MS).toBe(2000);
    for (const metricName of [METRIC.dispatchLatency, METRIC.reassignLatency]) {
      alarmLike({
        Namespace: METRICS_NAMESPACE,
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
        ExtendedStatistic: 'p99',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 2000,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(METRICS_NAMESPACE).toBe('ChatDistribution');
  });

  it('draws the dashboard: assignments by method, new chats waiting and unassigned, waiting chats, both latencies (p50, p99), API 5xx and the webhook dead letters', () => {
    const [dashboard] = Object.values(monitoring.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardBody: unknown } }[];
    // The body is JSON with the stacks' references spliced in: read it with each reference as a placeholder.
    const body = dashboard!.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(inParent(part)).replace(/"/g, "'")}>`)).join('');
    const widgets = (JSON.parse(text) as { widgets: { properties: { title: string; metrics: unknown[][]; stacked?: boolean } }[] }).widgets.map(
      (widget) => widget.properties,
    );
    const titled = (pattern: RegExp) => {
      const found = widgets.filter((widget) => pattern.test(widget.title));
      expect(found, String(pattern)).toHaveLength(1);
      return found[0]!;
    };
    /** Each metric line as namespace, name, its dimensions and its stat. */
    const lines = (widget: { metrics: unknown[][] }) =>
      widget.metrics.map((line) => {
        const options = (typeof line.at(-1) === 'object' ? line.at(-1) : {}) as { stat?: string };
        const names = line.filter((part) => typeof part === 'string') as string[];
        return { namespace: names[0], metric: names[1], dimensions: Object.fromEntries(chunk(names.slice(2))), stat: options.stat };
      });
    const chunk = (values: string[]) => values.flatMap((value, index) => (index % 2 === 0 ? [[value, values[index + 1]!]] : []));

    const assigned = titled(/^Chats assigned/);
    expect(assigned.stacked).toBe(true);
    expect(ASSIGNED_METHODS).toEqual([...ASSIGNMENT_METHODS, DISPATCHED_METHOD]);
    expect(lines(assigned)).toEqual(
      ASSIGNED_METHODS.map((method) => ({ namespace: METRICS_NAMESPACE, metric: METRIC.chatsAssigned, dimensions: { service: SERVICE_NAME, method }, stat: 'Sum' })),
    );
    expect(lines(titled(/nobody/i)).map((line) => line.metric)).toEqual([METRIC.chatsWaiting, METRIC.chatsUnassigned]);
    expect(lines(titled(/waiting on all sites/i))).toEqual([
      { namespace: METRICS_NAMESPACE, metric: METRIC.waitingChats, dimensions: { service: SERVICE_NAME }, stat: 'Maximum' },
    ]);
    for (const [pattern, metric] of [
      [/dispatch latency/i, METRIC.dispatchLatency],
      [/reassign latency/i, METRIC.reassignLatency],
    ] as const) {
      expect(lines(titled(pattern))).toEqual(
        ['p50', 'p99'].map((stat) => ({ namespace: METRICS_NAMESPACE, metric, dimensions: { service: SERVICE_NAME }, stat })),
      );
    }
    const [api5xx] = lines(titled(/5xx/));
    expect(api5xx).toMatchObject({ namespace: 'AWS/ApiGateway', metric: '5xx', stat: 'Sum' });
    expect(api5xx!.dimensions.ApiId).toContain(logicalId(stack.api.httpApi));
    const [webhookDeadLetters] = lines(titled(/webhook dead letters/i));
    expect(webhookDeadLetters).toMatchObject({ namespace: 'AWS/SQS', metric: 'ApproximateNumberOfMessagesVisible', stat: 'Maximum' });
    expect(webhookDeadLetters!.dimensions.QueueName).toContain(logicalId(stack.webhooks.deadLetters));
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

  it('outputs the API URL, the widget URL, the live URL, the alarm topic and the name (not the value) of the platform secret', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'DirectApiUrl', 'WidgetUrl', 'LiveUrl', 'AlarmTopicArn', 'PlatformTokenSecretName']),
    );
    expect(JSON.stringify(outputs.WidgetUrl!.Value)).toContain('/widget.js');
  });

  it('passes the cdk-nag AwsSolutions pack with no unsuppressed finding, the monitoring stack included, for any environment', () => {
    // As the tests synthesize it (region and account unresolved), and as `cdk deploy` does (both known).
    const deployed = synth('prod', {}, { account: '123456789012', region: 'eu-west-1' }).stack;
    for (const synthesized of [stack, deployed]) {
      const errors = Annotations.fromStack(synthesized).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
      const warnings = Annotations.fromStack(synthesized).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
      expect(errors.map((finding) => `${finding.id}: ${String(finding.entry.data)}`)).toEqual([]);
      expect(warnings.map((finding) => `${finding.id}: ${String(finding.entry.data)}`)).toEqual([]);
    }
    // The nested stack's findings are reported with the main stack's: one there would show above.
    expect(stack.monitoring.nestedStackParent).toBe(stack);
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
