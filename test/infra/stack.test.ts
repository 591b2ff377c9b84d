import { roleAdmitsPlatform } from '../../lib/domain/auth.js';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../infra/constructs/api.js';
import { DEADLINE_HANDLER_TIMEOUT, DEADLINE_MAX_RECEIVES } from '../../infra/constructs/deadlines.js';
import {
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

/** Every statement of the inline policies attached to a function's role (a route's or a job's). */
function statementsOf(functionName: string): Statement[] {
  const fn = stack.api.jobs.get(functionName) ?? stack.api.functions.get(functionName)!;
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

type FunctionResource = { Properties: { Timeout?: number; Environment?: { Variables: Record<string, unknown> } } };

/** A function's resource in the template, by route or job name. */
function functionResource(name: string): FunctionResource {
  const fn = stack.api.jobs.get(name) ?? stack.api.functions.get(name)!;
  return template.toJSON().Resources[logicalId(fn)] as FunctionResource;
}

/** Every function's grants, by function name (a route's, or a job's). */
const declaredGrants = () =>
  new Map<string, Grants>([...ALL_ROUTES.map((route) => [route.name, route.grants] as const), ...JOB_LIST.map((job) => [job.name, job.grants] as const)]);

/** Every function's name, routes' and jobs'. */
const allFunctionNames = () => [...stack.api.functions.keys(), ...stack.api.jobs.keys()];

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
    const ours = [...stack.api.functions.values(), ...stack.api.jobs.values()].map((fn) => logicalId(fn));
    const functions = Object.fromEntries(
      Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => ours.includes(id)),
    );
    expect([...stack.api.jobs.keys()].sort()).toEqual(JOB_LIST.map((job) => job.name).sort());
    // Every job of lib/ is deployed, and nothing else.
    expect(JOB_LIST.map((job) => job.name).sort()).toEqual(LIB_JOBS.map((job) => job.name).sort());
    expect(Object.keys(functions)).toHaveLength(new Set(ALL_ROUTES.map((route) => route.name)).size + JOB_LIST.length);
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
      expect(idempotencyActions.length > 0, route.name).toBe(route.grants.idempotency === true);
      const writesS3 = actionsOf(statements).includes('s3:PutObject');
      expect(writesS3, route.name).toBe(route.name === 'upload-avatar');
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

  it('lets only the dispatcher and the webhook publisher read the table stream, each send to its own dead-letter queue, as their event sources need', () => {
    const tableId = logicalId(stack.data.table);
    const streamArn = { 'Fn::GetAtt': [tableId, 'StreamArn'] };
    // Each stream reader and the on-failure destination of its mapping.
    const readers = new Map([
      [JOBS.dispatcher.name, stack.operations.dispatchDeadLetters],
      [JOBS.webhookPublisher.name, stack.operations.webhookPublishDeadLetters],
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

  it('runs the stale sweep and the queue repair every minute, each retried briefly', () => {
    for (const fn of [stack.api.sweep, stack.api.repair]) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 },
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
      });
    }
    template.resourceCountIs('AWS::Events::Rule', 2);
  });

  it('feeds the dispatcher the filtered table stream: partial batch failures, halving, bounded retries, a dead-letter queue', () => {
    // The dispatcher's and the webhook publisher's (the stream), the deadline handler's and the webhook sender's (their queues).
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 4);
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
    // its dead letters and the webhook publisher's dead letters.
    template.resourceCountIs('AWS::SQS::Queue', 6);
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
      // queues (whether or not they send deadlines); the webhook publisher sends events.
      const ownDeadLetters =
        name === JOBS.dispatcher.name
          ? [dispatchDeadLettersId]
          : name === JOBS.webhookPublisher.name
            ? [logicalId(stack.webhooks.queue), logicalId(stack.operations.webhookPublishDeadLetters)]
            : [];
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
    // group's fallback) and the handler (a deadline not due yet, sent again; a chat taken back
    // into a group).
    expect(senders.sort()).toEqual(['start-chat', 'transfer-chat', JOBS.dispatcher.name, JOBS.deadlines.name, JOBS.repair.name].sort());
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

  it('raises alarms on API 5xx, table throttling, job errors, dead letters, a late dispatcher, late deadlines and a late webhook publisher', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 15);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5xx', Namespace: 'AWS/ApiGateway' });
    // Every job's errors (the webhook sender's are invocations that failed, not failed deliveries).
    expect([...stack.api.jobs.values()]).toHaveLength(6);
    for (const fn of [
      stack.api.sweep,
      stack.api.dispatcher,
      stack.api.repair,
      stack.api.deadlineHandler,
      stack.api.webhookPublisher,
      stack.api.webhookSender,
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
        Statistic: 'Sum',
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
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
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
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
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
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.api.dispatcher) } }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: DISPATCH_LATENCY_BUDGET_MS,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    // Webhook events are not held to 2 s, but a publisher minutes behind the writes means late receivers.
    expect(WEBHOOK_PUBLISH_LATENCY_ALARM.toSeconds()).toBe(300);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.api.webhookPublisher) } }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: WEBHOOK_PUBLISH_LATENCY_ALARM.toMilliseconds(),
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
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
