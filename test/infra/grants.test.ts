import { randomUUID } from 'node:crypto';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type {
  APIGatewayProxyResultV2,
  APIGatewayProxyWebsocketEventV2,
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTable } from '../../infra/local/dynamodb-local.js';
import { passesFilters } from '../../infra/local/event-filter.js';
import { startLocalServer } from '../../infra/local/server.js';
import { startStreamReader } from '../../infra/local/stream-reader.js';
import { JOBS, routeKey } from '../../infra/constructs/api.js';
import { LIVE_CONNECTION_METHODS, LIVE_STAGE } from '../../infra/constructs/live.js';
import { ChatDistributionStack } from '../../infra/stack.js';
import { deadlineSchema, MAX_DELAY_SECONDS } from '../../lib/deadlines/deadline.js';
import { roleAdmitsPlatform, type RouteRole } from '../../lib/domain/auth.js';
import type { Grants } from '../../lib/http/route.js';
import { DISPATCH_FILTER_PATTERNS } from '../../lib/jobs/dispatch-waiting-chats.js';
import { webhookPublisherJob } from '../../lib/jobs/publish-webhook-events.js';
import { livePushJob } from '../../lib/jobs/push-live-events.js';
import { SOCKET_ROUTES, type SocketRoute } from '../../lib/live/socket-routes.js';
import { retryDelaySeconds, WEBHOOK_MAX_RECEIVES } from '../../lib/webhooks/backoff.js';
import type { WebhookEvent } from '../../lib/webhooks/event.js';
import { verifySignature } from '../../lib/webhooks/signature.js';
import { ENDPOINTS as ALL_ROUTES, ROUTES, type Endpoint as RouteDefinition } from '../../lib/routes/index.js';
import { chatKey } from '../../lib/store/entities/chat.js';
import { connectionKey } from '../../lib/store/entities/live.js';
import { operatorKey } from '../../lib/store/entities/operator.js';
import { settingsKey } from '../../lib/store/entities/site.js';
import { waitKey } from '../../lib/store/entities/waiting.js';
import { testDocumentClient } from '../support/engine.js';
import { startRecordingAws, tableArn, type Need, type RecordedCall, type RecordingAws } from '../support/recording-aws.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { MANAGE_CONNECTIONS, startRecordingLive, type RecordingLive } from './recording-live.js';
import { queueArnOf, startRecordingSqs, type RecordingSqs, type SentMessage } from './recording-sqs.js';

/**
 * Every route, WebSocket route and job (the scheduled sweep and queue repair, the dispatcher, the
 * webhook publisher and the live notifier on the table's stream, the deadline handler and the
 * webhook sender on their queues) run against DynamoDB Local (and in-memory S3, SQS, Secrets
 * Manager and the WebSocket API's Management API) through the real handlers, configured as in
 * AWS (the platform token and the webhook signing key from their secrets, avatars to S3,
 * deadlines and webhook events to their SQS queues, posts and closes to the connections through
 * the stage's Management API endpoint; webhooks are delivered to a real HTTP receiver on
 * 127.0.0.1, which LOCAL_WEBHOOKS admits). Each AWS request is recorded with the IAM actions and
 * resources it needs and attributed to the function that sent it; each function's policy, read
 * from the synthesized template, must allow all of them and grant nothing else (the documented
 * exceptions below): no write, Query target (table or index), read, secret or connection method
 * that the function never uses.
 */

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:platform-token-AbCdEf`;
const PLATFORM_TOKEN = `platform-${randomUUID()}`;
const BUCKET = 'chat-assets-grants';
const SWEEP = JOBS.sweep.name;
const DISPATCH = JOBS.dispatcher.name;
const REPAIR = JOBS.repair.name;
const DEADLINES = JOBS.deadlines.name;
const PUBLISH = JOBS.webhookPublisher.name;
const SEND = JOBS.webhookSender.name;
const LIVE_PUSH = JOBS.livePush.name;
/** Stand-ins for the table's stream and the dispatcher's dead-letter queue in the policies. */
const STREAM_ARN = () => `${tableArn(REGION, ACCOUNT, tableName)}/stream/2026-01-01T00:00:00.000`;
const DEAD_LETTERS_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:dispatch-dead-letters`;
/** The deadline queue, as its URL (on the SQS stand-in) is handed to the functions, and as its ARN in the policies. */
const DEADLINE_QUEUE_URL = () => `${sqs.url}/${ACCOUNT}/chat-deadlines`;
const DEADLINE_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:chat-deadlines`;
/** The webhook queue likewise, its dead letters, and the webhook publisher's own dead letters. */
const WEBHOOK_QUEUE_URL = () => `${sqs.url}/${ACCOUNT}/chat-webhooks`;
const WEBHOOK_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:chat-webhooks`;
const WEBHOOK_DEAD_LETTERS_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:chat-webhook-dead-letters`;
const PUBLISH_DEAD_LETTERS_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:webhook-publish-dead-letters`;
/** The webhook signing key's secret, and its value (at least 32 characters, as the runtime requires). */
const WEBHOOK_KEY_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:webhook-signing-key-GhIjKl`;
const WEBHOOK_KEY = `webhook-key-${randomUUID()}`;
/** The live notifier's dead letters, and the scheduled jobs' failure queues (EventBridge DLQ and Lambda on-failure destination). */
const LIVE_PUSH_DEAD_LETTERS_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:live-push-dead-letters`;
const SWEEP_FAILURES_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:sweep-failures`;
const REPAIR_FAILURES_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:repair-failures`;
/** The WebSocket API's id, as its Ref resolves in the policies and as the recording Management API names it in ARNs. */
const LIVE_API_ID = 'a1b2c3d4e5';
/** Where the pages connect, as the stack gives it to the routes (LIVE_URL). */
const LIVE_URL = `wss://${LIVE_API_ID}.execute-api.${REGION}.amazonaws.com/${LIVE_STAGE}`;
/** The connections of that API's stage, by method, as the policies name them. */
const connectionsArn = (method: string) => `arn:aws:execute-api:${REGION}:${ACCOUNT}:${LIVE_API_ID}/${LIVE_STAGE}/${method}/@connections/*`;
/** What X-Ray active tracing grants every function (the Lambda service sends the segments under the function's role). */
const TRACING_GRANTS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].map((action) => ({ action, resource: '*' }));
/** What each `webhooks` grant is for: its one action on the webhook queue. */
const WEBHOOK_ACTION = { publish: 'sqs:SendMessage', deliver: 'sqs:ChangeMessageVisibility' } as const;

/** Every function's declared grants, by function name (a route's, a WebSocket route's or a job's). */
const declaredGrants = () =>
  new Map<string, Grants>([
    ...ALL_ROUTES.map((route) => [route.name, route.grants] as const),
    ...SOCKET_ROUTES.map((route) => [route.name, route.grants] as const),
    ...Object.values(JOBS).map((job) => [job.name, job.grants] as const),
  ]);

/**
 * What Lambda does under a function's role, not the function's code (so never recorded here):
 * the event source mappings of the dispatcher, the webhook publisher and the live notifier read
 * the table's stream, and send the batches they give up on to their own dead-letter queues; the
 * deadline handler's and the webhook sender's receive their queue's messages, delete those
 * handled and hand back the failed ones; the scheduled sweep's and repair's failed invocations
 * go to their failure queues (their on-failure destinations). Exactly these, on those seven only
 * (checked below).
 */
const eventSourceGrants = (fn: string) => {
  const readsStream = () =>
    ['ListStreams', 'DescribeStream', 'GetRecords', 'GetShardIterator'].map((action) => ({ action: `dynamodb:${action}`, resource: STREAM_ARN() }));
  const sendsFailures = (deadLetters: string) =>
    ['SendMessage', 'GetQueueAttributes', 'GetQueueUrl'].map((action) => ({ action: `sqs:${action}`, resource: deadLetters }));
  const consumes = (queue: string) =>
    ['ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility', 'GetQueueAttributes', 'GetQueueUrl'].map((action) => ({
      action: `sqs:${action}`,
      resource: queue,
    }));
  if (fn === DISPATCH) return [...readsStream(), ...sendsFailures(DEAD_LETTERS_ARN)];
  if (fn === PUBLISH) return [...readsStream(), ...sendsFailures(PUBLISH_DEAD_LETTERS_ARN)];
  if (fn === LIVE_PUSH) return [...readsStream(), ...sendsFailures(LIVE_PUSH_DEAD_LETTERS_ARN)];
  if (fn === SWEEP) return sendsFailures(SWEEP_FAILURES_ARN);
  if (fn === REPAIR) return sendsFailures(REPAIR_FAILURES_ARN);
  if (fn === DEADLINES) return consumes(DEADLINE_QUEUE_ARN);
  if (fn === SEND) return consumes(WEBHOOK_QUEUE_ARN);
  return [];
};

/** The grants on a queue a function's own Grants declare (deadlines, webhooks), one each. */
const declaredQueueGrants = (fn: string) => {
  const grants = declaredGrants().get(fn);
  return [
    ...(grants?.deadlines ? [{ action: 'sqs:SendMessage', resource: DEADLINE_QUEUE_ARN }] : []),
    ...(grants?.webhooks ? [{ action: WEBHOOK_ACTION[grants.webhooks], resource: WEBHOOK_QUEUE_ARN }] : []),
  ];
};

/**
 * The grants a function may hold without this run using them: Powertools Idempotency reads its
 * record back (GetItem) only when its conditional put did not return the existing one; the
 * event source grants (above); and X-Ray's (Lambda's, not the code's).
 */
const mayGoUnused = (fn: string, grant: { action: string; resource: string }) =>
  (grant.action === 'dynamodb:GetItem' && grant.resource === tableArn(REGION, ACCOUNT, idempotencyTableName)) ||
  TRACING_GRANTS.some((candidate) => candidate.action === grant.action && candidate.resource === grant.resource) ||
  eventSourceGrants(fn).some((candidate) => candidate.action === grant.action && candidate.resource === grant.resource);

/** A whole 1×1 PNG (IHDR, IDAT, IEND, with their CRCs). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGMwTpsJAAICATNWh+JUAAAAAElFTkSuQmCC', 'base64');

let aws: RecordingAws;
let sqs: RecordingSqs;
let live: RecordingLive;
/** The function requests are made under (for the SQS stand-in; the recording AWS endpoint keeps its own). */
let currentFn: string | undefined;
let server: Awaited<ReturnType<typeof startLocalServer>>;
let tableName: string;
let idempotencyTableName: string;
type JobHandler<E, R> = (event: E, context: Context) => Promise<R>;
let sweepHandler: JobHandler<unknown, { itemsRead: number; markedOffline: number; rearmed: number }>;
let dispatchHandler: JobHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>;
let repairHandler: JobHandler<unknown, { sites: number; expired: number; assigned: number; takenBack: number }>;
let deadlineHandler: JobHandler<SQSEvent, SQSBatchResponse>;
let publishHandler: JobHandler<DynamoDBStreamEvent, unknown>;
let sendHandler: JobHandler<SQSEvent, SQSBatchResponse>;
let livePushHandler: JobHandler<DynamoDBStreamEvent, unknown>;
/** The WebSocket routes' handlers, by function name. */
const socketHandlers = new Map<string, JobHandler<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>>();

/** Runs `run` with every AWS request it makes (to the recording endpoint or the SQS stand-in) attributed to `fn`. */
function asFunction<T>(fn: string, run: () => Promise<T>): Promise<T> {
  return aws.as(fn, async () => {
    currentFn = fn;
    try {
      return await run();
    } finally {
      currentFn = undefined;
    }
  });
}

interface Invocation {
  route: RouteDefinition;
  params: Record<string, string>;
  status: number;
  calls: RecordedCall[];
}
const invocations: Invocation[] = [];

interface Reply {
  status: number;
  body: any;
  calls: RecordedCall[];
}

interface Request {
  token?: string;
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

/** Calls one route through the local server; every AWS request made meanwhile is that route's function's. */
async function invoke(route: RouteDefinition, params: Record<string, string>, request: Request = {}): Promise<Reply> {
  let path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!params[name]) throw new Error(`${route.name}: no value for {${name}}`);
    return encodeURIComponent(params[name]);
  });
  if (request.query) path += `?${new URLSearchParams(request.query)}`;
  const headers: Record<string, string> = { ...request.headers };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  let body: string | Buffer | undefined = request.raw;
  if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers['content-type'] = 'application/json';
  }
  // In AWS each function is its own process: nothing (the secret) stays cached from another.
  clearCaches();
  const before = aws.calls.length;
  const { status, text } = await asFunction(route.name, async () => {
    const response = await fetch(`${server.url}${path}`, { method: route.method, headers, body: body as never });
    return { status: response.status, text: await response.text() };
  });
  const calls = aws.calls.slice(before);
  invocations.push({ route, params, status, calls });
  return { status, body: text ? JSON.parse(text) : undefined, calls };
}

function routeNamed(name: string): RouteDefinition {
  const route = ROUTES.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`No route ${name}`);
  return route;
}

const call = (name: string, params: Record<string, string>, request?: Request) => invoke(routeNamed(name), params, request);

async function expectStatus(reply: Promise<Reply>, status: number, what: string): Promise<any> {
  const { status: actual, body } = await reply;
  expect(actual, `${what}: ${JSON.stringify(body)}`).toBe(status);
  return body;
}

interface Fixture {
  siteId: string;
  adminToken: string;
  operatorId: string;
  operatorToken: string;
  chatId: string;
  chatToken: string;
}

/** A site of its own with one online operator holding one chat, made through the routes. */
async function fixture(): Promise<Fixture> {
  const site = await expectStatus(call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'Fixture' } }), 201, 'create-site');
  const operatorId = 'gen';
  const params = { siteId: site.siteId as string, operatorId };
  const operator = await expectStatus(
    call('put-operator', params, { token: site.adminToken, body: { name: 'Gen' } }),
    201,
    'put-operator',
  );
  await expectStatus(
    call('set-operator-status', params, { token: operator.operatorToken, body: { status: 'online' } }),
    200,
    'set-operator-status',
  );
  const chat = await expectStatus(call('start-chat', params, { body: { visitorId: 'fixture' } }), 201, 'start-chat');
  return {
    siteId: site.siteId,
    adminToken: site.adminToken,
    operatorId,
    operatorToken: operator.operatorToken,
    chatId: chat.chat.id,
    chatToken: chat.chatToken,
  };
}

/** The tokens a route's role admits, each tried on a fixture of its own. */
function tokensFor(role: RouteRole): ((fixture: Fixture) => string | undefined)[] {
  const platform = () => PLATFORM_TOKEN;
  const admin = (f: Fixture) => f.adminToken;
  const operator = (f: Fixture) => f.operatorToken;
  switch (role) {
    case 'platform':
      return [platform];
    case 'admin':
      return [admin];
    case 'admin-or-platform':
      return [platform, admin];
    case 'operator':
    case 'chat-party':
      return [operator];
    case 'site-member':
      return [admin, operator];
    case 'chat-reader':
      return [(f) => f.chatToken, admin, operator];
    case 'any-token':
      return [platform, admin, operator];
    default:
      return roleAdmitsPlatform(role) ? [platform] : [() => undefined];
  }
}

/** Bodies for routes that need one, when a route is exercised without a scenario of its own. */
const SAMPLE_BODIES: Record<string, unknown> = {
  'create-site': { name: 'Sample' },
  'update-settings': { distribution: 'random' },
  'put-operator': { name: 'Sample' },
  'set-operator-status': { status: 'away' },
  'start-chat': { visitorId: 'sample' },
};

/** A route no scenario below made answer 2xx: called with the tokens its role admits, on fresh fixtures. */
async function exerciseGenerically(route: RouteDefinition) {
  for (const token of tokensFor(route.role)) {
    const f = await fixture();
    await invoke(route, f as unknown as Record<string, string>, {
      token: token(f),
      body: SAMPLE_BODIES[route.name],
      ...('binaryBody' in route && route.binaryBody ? { raw: PNG, headers: { 'content-type': 'image/png' } } : {}),
    });
  }
}

/** Runs a job's handler as Lambda would; every AWS request made meanwhile is that job's function's. */
async function runJob<E, R>(name: string, handler: JobHandler<E, R>, event: E) {
  const context = { functionName: name, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  clearCaches();
  const before = aws.calls.length;
  const result = await asFunction(name, () => handler(event, context));
  return { result, calls: aws.calls.slice(before) };
}

const SCHEDULED_EVENT = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

/** The scheduled sweep, as EventBridge calls it. */
const sweep = () => runJob(SWEEP, sweepHandler, SCHEDULED_EVENT);

/** The scheduled queue repair, as EventBridge calls it. */
const repair = () => runJob(REPAIR, repairHandler, SCHEDULED_EVENT);

/** The dispatcher, invoked by the event source mapping with one batch. */
const dispatch = (event: DynamoDBStreamEvent) => runJob(DISPATCH, dispatchHandler, event);

/** The deadline handler, invoked by the deadline queue's event source with these messages (their delays passed or not). */
const handleDeadlines = (messages: readonly SentMessage[]) => runJob(DEADLINES, deadlineHandler, sqs.event(messages));

/** The webhook publisher, invoked by its event source mapping with one batch of the stream. */
const publishWebhooks = (event: DynamoDBStreamEvent) => runJob(PUBLISH, publishHandler, event);

/** The webhook sender, invoked by the webhook queue's event source with this batch. */
const sendWebhooks = (event: SQSEvent) => runJob(SEND, sendHandler, event);

/** The live notifier, invoked by its event source mapping with one batch of the stream. */
const pushLive = (event: DynamoDBStreamEvent) => runJob(LIVE_PUSH, livePushHandler, event);

/** What API Gateway's WebSocket API hands a route's function: the route, the connection, the frame (for $default). */
function socketEvent(routeKey: SocketRoute['routeKey'], connectionId: string, body?: string): APIGatewayProxyWebsocketEventV2 {
  const now = Date.now();
  return {
    requestContext: {
      routeKey,
      messageId: randomUUID(),
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toISOString(),
      messageDirection: 'IN',
      stage: LIVE_STAGE,
      connectedAt: now,
      requestTimeEpoch: now,
      requestId: randomUUID(),
      domainName: `${LIVE_API_ID}.execute-api.${REGION}.amazonaws.com`,
      connectionId,
      apiId: LIVE_API_ID,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  } as APIGatewayProxyWebsocketEventV2;
}

/** The function of a WebSocket route, invoked by API Gateway for that connection; every AWS request meanwhile is that function's. */
function socket(routeKey: SocketRoute['routeKey'], connectionId: string, frame?: unknown) {
  const route = SOCKET_ROUTES.find((candidate) => candidate.routeKey === routeKey)!;
  const body = frame === undefined || typeof frame === 'string' ? frame : JSON.stringify(frame);
  return runJob(route.name, socketHandlers.get(route.name)!, socketEvent(routeKey, connectionId, body));
}

/** The deadlines a reply's or job's requests sent: exactly `count`, each to the deadline queue, delayed as it says. */
function deadlinesSent(calls: RecordedCall[], count: number) {
  const sends = calls.filter((recorded) => recorded.operation.startsWith('sqs:'));
  expect(sends.map((recorded) => recorded.operation)).toEqual(Array(count).fill('sqs:SendMessage'));
  return sends.map((recorded) => {
    expect(recorded.status).toBe(200);
    expect(recorded.input.QueueUrl).toBe(DEADLINE_QUEUE_URL());
    const message = sqs.sent.find((candidate) => candidate.body === recorded.input.MessageBody && candidate.queueArn === DEADLINE_QUEUE_ARN)!;
    expect(message).toBeDefined();
    const deadline = deadlineSchema.parse(JSON.parse(message.body));
    expect(message.delaySeconds).toBeGreaterThanOrEqual(0);
    expect(message.delaySeconds).toBeLessThanOrEqual(MAX_DELAY_SECONDS);
    return { message, deadline };
  });
}

/**
 * The table's stream from now on, through the dispatcher's filters (or another stream job's),
 * batched as the local stream reader (the event source mapping's stand-in) delivers it; kept,
 * not invoked, so that the job runs alone (its requests are told apart from the routes' by time).
 */
async function recordStream(filterPatterns: readonly object[] = DISPATCH_FILTER_PATTERNS) {
  const events: DynamoDBStreamEvent[] = [];
  const reader = await startStreamReader({
    endpoint: inject('dynamoEndpoint'),
    tableName,
    filterPatterns,
    invoke: async (event) => {
      events.push(event);
    },
  });
  return {
    /** Stops once `atLeast` records have come (a record may be readable a while after its write). */
    async stop(atLeast: number) {
      const deadline = Date.now() + 20_000;
      do await reader.drained();
      while (events.flatMap((event) => event.Records).length < atLeast && Date.now() < deadline);
      await reader.stop();
      return events;
    },
  };
}

/** e.g. 'INSERT waiting', 'MODIFY operator', 'REMOVE operator': what a stream record is about (a removed item by its old image). */
const recordKind = (record: DynamoDBRecord) =>
  `${record.eventName} ${(record.dynamodb?.NewImage ?? record.dynamodb?.OldImage)?.type?.S}`;

// ---- the stack's policies, resolved to ARNs of the tables, bucket and secret used here ----

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; NotAction?: unknown; NotResource?: unknown };
interface Grant {
  action: string;
  resource: string;
}

let policies: Map<string, Grant[]>;

function synthesizePolicies(): Map<string, Grant[]> {
  // Without bundling (the bundles are checked on their own), as test/infra/stack.test.ts does.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ChatDistributionStack(app, 'Grants-dev', { envName: 'dev' });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: any }> };
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  const symbols: Record<string, string> = {
    [logicalId(stack.data.table)]: tableArn(REGION, ACCOUNT, tableName),
    [`${logicalId(stack.data.table)}.StreamArn`]: STREAM_ARN(),
    [logicalId(stack.data.idempotencyTable)]: tableArn(REGION, ACCOUNT, idempotencyTableName),
    [logicalId(stack.hosting.assets)]: `arn:aws:s3:::${BUCKET}`,
    [logicalId(stack.node.findChild('PlatformToken') as never)]: SECRET_ARN,
    [logicalId(stack.operations.dispatchDeadLetters)]: DEAD_LETTERS_ARN,
    [logicalId(stack.deadlines.queue)]: DEADLINE_QUEUE_ARN,
    [logicalId(stack.webhooks.queue)]: WEBHOOK_QUEUE_ARN,
    [logicalId(stack.webhooks.deadLetters)]: WEBHOOK_DEAD_LETTERS_ARN,
    [logicalId(stack.operations.webhookPublishDeadLetters)]: PUBLISH_DEAD_LETTERS_ARN,
    [logicalId(stack.webhooks.signingKey)]: WEBHOOK_KEY_ARN,
    [logicalId(stack.operations.livePushDeadLetters)]: LIVE_PUSH_DEAD_LETTERS_ARN,
    [logicalId(stack.operations.sweepFailures)]: SWEEP_FAILURES_ARN,
    [logicalId(stack.operations.repairFailures)]: REPAIR_FAILURES_ARN,
    [logicalId(stack.live.api)]: LIVE_API_ID,
  };
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT };
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const intrinsic = value as Record<string, any>;
    if (intrinsic['Fn::GetAtt']?.[1] === 'Arn' && symbols[intrinsic['Fn::GetAtt'][0]]) return symbols[intrinsic['Fn::GetAtt'][0]]!;
    if (intrinsic['Fn::GetAtt'] && symbols[intrinsic['Fn::GetAtt'].join('.')]) return symbols[intrinsic['Fn::GetAtt'].join('.')]!;
    if (intrinsic.Ref && (pseudo[intrinsic.Ref] ?? symbols[intrinsic.Ref])) return pseudo[intrinsic.Ref] ?? symbols[intrinsic.Ref]!;
    if (intrinsic['Fn::Join']) return (intrinsic['Fn::Join'][1] as unknown[]).map(resolve).join(intrinsic['Fn::Join'][0]);
    throw new Error(`A policy resource this test cannot resolve: ${JSON.stringify(value)}`);
  };
  const functions = stack.api.all();
  const result = new Map<string, Grant[]>();
  for (const [name, fn] of functions) {
    const roleId = logicalId(fn.role! as never);
    const role = template.Resources[roleId]!;
    const statements: Statement[] = (role.Properties.Policies ?? []).flatMap(
      (policy: { PolicyDocument: { Statement: Statement[] } }) => policy.PolicyDocument.Statement,
    );
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      if (!(resource.Properties.Roles as unknown[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleId }))) continue;
      statements.push(...resource.Properties.PolicyDocument.Statement);
    }
    const grants: Grant[] = [];
    for (const statement of statements) {
      // Anything subtler than Allow action on resource would need reading here.
      expect(statement, `${name}: a plain Allow statement`).toMatchObject({ Effect: 'Allow' });
      expect([statement.Condition, statement.NotAction, statement.NotResource], name).toEqual([undefined, undefined, undefined]);
      for (const action of [statement.Action].flat()) {
        for (const resource of [statement.Resource].flat()) grants.push({ action, resource: resolve(resource) });
      }
    }
    result.set(name, grants);
  }
  return result;
}

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
const allows = (grant: Grant, need: Need) => glob(grant.action).test(need.action) && glob(grant.resource).test(need.resource);
const show = (item: Need | Grant) => `${item.action} on ${item.resource}`;

function needsOf(fn: string): Need[] {
  const unique = new Map<string, Need>();
  for (const recorded of aws.calls.filter((candidate) => candidate.fn === fn)) {
    for (const need of recorded.needs) unique.set(show(need), need);
  }
  return [...unique.values()];
}

const FUNCTION_NAMES = [
  ...new Set(ALL_ROUTES.map((route) => route.name)),
  ...SOCKET_ROUTES.map((route) => route.name),
  ...Object.values(JOBS).map((job) => job.name),
];

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  tableName = `grants-${randomUUID()}`;
  idempotencyTableName = `grants-idem-${randomUUID()}`;
  await ensureTable(endpoint, tableName, idempotencyTableName);
  aws = await startRecordingAws({ dynamoEndpoint: endpoint, region: REGION, account: ACCOUNT, secrets: { [SECRET_ARN]: PLATFORM_TOKEN, [WEBHOOK_KEY_ARN]: WEBHOOK_KEY } });
  sqs = await startRecordingSqs({ region: REGION, calls: aws.calls, currentFn: () => currentFn });
  expect(queueArnOf(DEADLINE_QUEUE_URL(), REGION)).toBe(DEADLINE_QUEUE_ARN);
  expect(queueArnOf(WEBHOOK_QUEUE_URL(), REGION)).toBe(WEBHOOK_QUEUE_ARN);
  live = await startRecordingLive({ region: REGION, account: ACCOUNT, apiId: LIVE_API_ID, stage: LIVE_STAGE, calls: aws.calls, currentFn: () => currentFn });
  delete process.env.PLATFORM_TOKEN;
  delete process.env.AVATAR_DIR;
  delete process.env.WEBHOOK_SIGNING_KEY;
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    IDEMPOTENCY_TABLE_NAME: idempotencyTableName,
    DYNAMODB_ENDPOINT: aws.url,
    PLATFORM_TOKEN_SECRET_ID: SECRET_ARN,
    AVATAR_BUCKET: BUCKET,
    AVATAR_BASE_URL: 'https://cdn.example/avatars',
    AWS_ENDPOINT_URL_S3: aws.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    AWS_ENDPOINT_URL_SQS: sqs.url,
    // The runtime sends deadlines to SQS, not to a queue in the process. The stack gives the URL
    // only to the functions granted `deadlines`; here every function has it (one process), so one
    // that sends without the grant is caught below.
    DEADLINE_QUEUE_URL: DEADLINE_QUEUE_URL(),
    // Likewise webhook events go to their SQS queue, and the signing key comes from its secret.
    WEBHOOK_QUEUE_URL: WEBHOOK_QUEUE_URL(),
    WEBHOOK_SIGNING_KEY_SECRET_ID: WEBHOOK_KEY_ARN,
    // Live push goes to the WebSocket API's Management API (the stage's callback URL in AWS), and
    // the routes tell the pages the wss:// URL. The stack gives the endpoint only to the functions
    // granted `live`; here every function has it, so one that posts without the grant is caught below.
    LIVE_MANAGEMENT_ENDPOINT: live.endpoint,
    LIVE_URL,
    // The one difference from AWS: the receiver is on 127.0.0.1 (AWS takes https to public addresses only).
    LOCAL_WEBHOOKS: 'true',
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
  });
  server = await startLocalServer({ port: 0 });
  ({ handler: sweepHandler } = await import('../../functions/sweep-stale-operators.js'));
  dispatchHandler = (await import('../../functions/dispatch-waiting-chats.js')).handler as unknown as typeof dispatchHandler;
  ({ handler: repairHandler } = await import('../../functions/repair-waiting-chats.js'));
  deadlineHandler = (await import('../../functions/handle-chat-deadlines.js')).handler as unknown as typeof deadlineHandler;
  publishHandler = (await import('../../functions/publish-webhook-events.js')).handler as unknown as typeof publishHandler;
  sendHandler = (await import('../../functions/send-webhooks.js')).handler as unknown as typeof sendHandler;
  livePushHandler = (await import('../../functions/push-live-events.js')).handler as unknown as typeof livePushHandler;
  for (const route of SOCKET_ROUTES) {
    socketHandlers.set(route.name, (await import(`../../functions/${route.name}.ts`)).handler);
  }
  policies = synthesizePolicies();
});

afterAll(async () => {
  await server?.close();
  await aws?.close();
  await sqs?.close();
  await live?.close();
});

describe('every function is granted exactly what it sends to AWS', () => {
  it('runs every route along its main paths, and the jobs', async () => {
    // A site, its operators (Bob takes one chat at a time), and whose tokens they are.
    const site = await expectStatus(
      call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'Grants', allowedOrigins: ['https://shop.example'] } }),
      201,
      'create-site',
    );
    const { siteId, adminToken } = site as { siteId: string; adminToken: string };
    const admin = { token: adminToken };
    const tokens: Record<string, string> = {};
    for (const [id, body] of [
      ['ann', { name: 'Ann' }],
      ['bob', { name: 'Bob', maxChats: 1 }],
      ['cat', { name: 'Cat' }],
    ] as const) {
      tokens[id] = (await expectStatus(call('put-operator', { siteId, operatorId: id }, { ...admin, body }), 201, `create ${id}`)).operatorToken;
    }
    await expectStatus(call('put-operator', { siteId, operatorId: 'ann' }, { ...admin, body: { name: 'Ann A.' } }), 200, 'rename ann');
    await expectStatus(call('get-me', {}, { token: PLATFORM_TOKEN }), 200, 'me: platform');
    await expectStatus(call('get-me', {}, admin), 200, 'me: admin');
    await expectStatus(call('get-me', {}, { token: tokens.ann }), 200, 'me: operator');
    // Another token on a platform route is looked up (a GetItem) to tell 403 from 401.
    await expectStatus(call('create-site', {}, { ...admin, body: { name: 'Not mine' } }), 403, 'create-site by an admin');
    // Where the platform is not admitted, its token is known by the token item creating a site
    // left (a wrong role, 403), without reading the secret.
    const refused = await call('get-settings', { siteId }, { token: PLATFORM_TOKEN });
    expect(refused.status).toBe(403);
    expect(refused.calls.map((recorded) => recorded.operation)).not.toContain('secretsmanager:GetSecretValue');

    // Operators come online (a Query of the queue head), go away, heartbeat.
    const operator = (id: string) => ({ siteId, operatorId: id });
    for (const id of ['ann', 'bob']) {
      await expectStatus(call('set-operator-status', operator(id), { token: tokens[id], body: { status: 'online' } }), 200, `${id} online`);
    }
    await expectStatus(call('set-operator-status', operator('cat'), { token: tokens.cat, body: { status: 'away' } }), 200, 'cat away');
    await expectStatus(call('record-heartbeat', operator('ann'), { token: tokens.ann }), 204, 'heartbeat');

    // Settings: a plain change, a newly named default (checked in the transaction), a default
    // naming nobody (the check fails), a new heartbeat timeout (copied to every operator), no change.
    await expectStatus(call('get-settings', { siteId }, admin), 200, 'get-settings');
    const settings = (body: unknown) => call('update-settings', { siteId }, { ...admin, body });
    await expectStatus(settings({ allowVisitorChoice: true }), 200, 'visitor choice');
    await expectStatus(settings({ defaultOperators: { regular: 'ann' } }), 200, 'default operator');
    await expectStatus(settings({ defaultOperators: { target: 'nobody' } }), 400, 'default naming nobody');
    await expectStatus(settings({ heartbeatTimeoutSeconds: 120 }), 200, 'heartbeat timeout');
    // On a site of more operators than a request retimes itself, the rest go by a deadline.
    for (let index = 0; index < 23; index += 1) {
      await expectStatus(call('put-operator', { siteId, operatorId: `extra${index}` }, { ...admin, body: { name: `Extra ${index}` } }), 201, `create extra${index}`);
    }
    await expectStatus(settings({ heartbeatTimeoutSeconds: 150 }), 200, 'heartbeat timeout, 26 operators');
    await expectStatus(settings({ allowVisitorChoice: true }), 200, 'no change');
    await expectStatus(call('list-operators', { siteId }, admin), 200, 'list-operators');

    // The widget, its preflights, and chats: by default operator, by queue, by visitor choice
    // (Bob is then full and leaves the queue, so the queue gives Ann the next), with an Idempotency-Key (first, repeat, another
    // body, refused), and a returning visitor with several open chats.
    const shop = { origin: 'https://shop.example' };
    await expectStatus(call('get-widget', { siteId }, { headers: shop }), 200, 'get-widget');
    for (const preflight of ALL_ROUTES.filter((route) => route.method === 'OPTIONS')) {
      const reply = await invoke(preflight, { siteId, chatId: 'any' }, { headers: { ...shop, 'access-control-request-method': 'POST' } });
      expect(reply.status, routeKey(preflight)).toBe(204);
    }
    const start = (body: unknown, headers: Record<string, string> = {}) =>
      call('start-chat', { siteId }, { body, headers: { ...shop, ...headers } });
    const byDefault = await expectStatus(start({ visitorId: 'v1' }), 201, 'default operator');
    expect(byDefault.chat.assignedBy).toBe('default');
    const byChoice = await expectStatus(start({ visitorId: 'v3', operatorId: 'bob' }), 201, 'visitor choice');
    expect(byChoice.chat).toMatchObject({ assignedBy: 'visitor', operatorId: 'bob' });
    const byQueue = await expectStatus(start({ visitorId: 'v2', clientType: 'target' }), 201, 'queue');
    expect(byQueue.chat).toMatchObject({ assignedBy: 'queue', operatorId: 'ann' });
    const key = { 'idempotency-key': randomUUID() };
    const first = await expectStatus(start({ visitorId: 'v4', clientType: 'target' }, key), 201, 'idempotent start');
    expect((await expectStatus(start({ visitorId: 'v4', clientType: 'target' }, key), 201, 'repeat')).chat.id).toBe(first.chat.id);
    await expectStatus(start({ visitorId: 'other' }, key), 422, 'key reused with another body');
    await expectStatus(start({ visitorId: 'v5', operatorId: 'nobody' }, { 'idempotency-key': randomUUID() }), 404, 'refused, not remembered');
    for (let i = 0; i < 4; i += 1) {
      const reply = await start({ visitorId: 'returning' });
      expect([201, 202, 429], JSON.stringify(reply.body)).toContain(reply.status);
    }

    // The operator's open chats; closes by the operator, by the visitor, and twice.
    const annChats = await expectStatus(call('list-operator-chats', operator('ann'), { token: tokens.ann }), 200, 'list-operator-chats');
    expect(annChats.chats.map((chat: { id: string }) => chat.id)).toContain(byDefault.chat.id);
    const close = (chatId: string, request: Request) => call('close-chat', { siteId, chatId }, request);
    await expectStatus(close(byDefault.chat.id, { token: tokens.ann, headers: shop }), 200, 'closed by its operator');
    await expectStatus(close(byChoice.chat.id, { body: { chatToken: byChoice.chatToken }, headers: shop }), 200, 'closed by the visitor');
    await expectStatus(close(byChoice.chat.id, { body: { chatToken: byChoice.chatToken }, headers: shop }), 200, 'closed twice');

    // A site from before the statistics' counters: its first report marks it.
    await testDocumentClient().send(new UpdateCommand({ TableName: tableName, Key: settingsKey(siteId), UpdateExpression: 'REMOVE countedFrom' }));
    await expectStatus(call('get-stats', { siteId }, admin), 200, 'stats');
    await expectStatus(call('get-stats', { siteId }, { ...admin, query: { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() } }), 200, 'stats in a period');
    const upload = await call('upload-avatar', { siteId }, { ...admin, raw: PNG, headers: { 'content-type': 'image/png' } });
    expect(upload.status).toBe(200);
    const puts = upload.calls.filter((recorded) => recorded.operation === 's3:PutObject');
    expect(puts).toHaveLength(1);
    expect(aws.objects.get(`${BUCKET}/${puts[0]!.input.Key}`)).toEqual(PNG);

    // Nobody online: the chat waits in the queue (chat, entry and the visitor's count in one
    // transaction), and its visitor closes it (it leaves the queue). With the queue off, a chat is
    // recorded unassigned instead (the visitor's count checked in the transaction), and closed.
    // Deleting the default operator also clears the default; online, Ann gives back her random-mode
    // slot first, and Bob's (the last) moves into it.
    await expectStatus(call('delete-operator', operator('ann'), admin), 204, 'delete the default operator');
    expect((await expectStatus(call('get-settings', { siteId }, admin), 200, 'settings')).defaultOperators.regular).toBeNull();
    for (const id of ['bob', 'cat']) {
      await expectStatus(call('set-operator-status', operator(id), { token: tokens[id], body: { status: 'offline' } }), 200, `${id} offline`);
    }
    const waits = await expectStatus(start({ visitorId: 'v6' }), 202, 'waiting');
    expect(waits.chat.status).toBe('waiting');
    await expectStatus(close(waits.chat.id, { body: { chatToken: waits.chatToken } }), 200, 'waiting chat closed by its visitor');
    await expectStatus(settings({ queueEnabled: false }), 200, 'queue off');
    const unassigned = await expectStatus(start({ visitorId: 'v7' }), 202, 'unassigned');
    expect(unassigned.chat.status).toBe('unassigned');
    await expectStatus(close(unassigned.chat.id, { body: { chatToken: unassigned.chatToken } }), 200, 'unassigned closed');
    await expectStatus(settings({ queueEnabled: true }), 200, 'queue on');

    // The sweep, with two liveness checks due whose messages were lost (set by hand): Bob's
    // heartbeat is long past (he goes offline), Cat's is live (her next check is sent).
    await expectStatus(call('set-operator-status', operator('bob'), { token: tokens.bob, body: { status: 'online' } }), 200, 'bob online');
    await expectStatus(call('set-operator-status', operator('cat'), { token: tokens.cat, body: { status: 'away' } }), 200, 'cat away');
    for (const [id, expression] of [['bob', 'SET beatAtMs = :then, liveUntil = :then, staleAt = :then'], ['cat', 'SET staleAt = :then']] as const) {
      await testDocumentClient().send(
        new UpdateCommand({ TableName: tableName, Key: operatorKey(siteId, id), UpdateExpression: expression, ExpressionAttributeValues: { ':then': 1 } }),
      );
    }
    const swept = await sweep();
    expect(swept.result).toMatchObject({ markedOffline: 1, rearmed: 1 });
    // In random mode, a chat start draws Bob's slot, which he went offline with: he gives it back,
    // and with nobody else available the chat waits.
    await expectStatus(settings({ distribution: 'random' }), 200, 'random mode');
    const drawn = await expectStatus(start({ visitorId: 'v8' }), 202, 'random: nobody available');
    const bob = await testDocumentClient().send(new GetCommand({ TableName: tableName, Key: operatorKey(siteId, 'bob'), ConsistentRead: true }));
    expect(bob.Item).toMatchObject({ status: 'offline' });
    expect(bob.Item!.randomSlot).toBeUndefined();
    await expectStatus(close(drawn.chat.id, { body: { chatToken: drawn.chatToken } }), 200, 'random: closed by its visitor');
    await expectStatus(settings({ distribution: 'queue' }), 200, 'queue mode');

    // The dispatcher, on a site of its own where Dee takes one chat at a time: she is full, so the
    // next chat waits; its visitor (chat token), the admin and Dee read it and the queue. Dee
    // closes her chat: the waiting chat's INSERT and Dee's freed slot pass the stream filters,
    // and the dispatcher, given those records, assigns the chat to her.
    const queueSite = await expectStatus(call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'Queue' } }), 201, 'queue site');
    const onQueueSite = { siteId: queueSite.siteId as string };
    const queueAdmin = { token: queueSite.adminToken as string };
    const dee = { ...onQueueSite, operatorId: 'dee' };
    const deeToken = (await expectStatus(call('put-operator', dee, { ...queueAdmin, body: { name: 'Dee', maxChats: 1 } }), 201, 'create dee'))
      .operatorToken as string;
    await expectStatus(call('set-operator-status', dee, { token: deeToken, body: { status: 'online' } }), 200, 'dee online');
    const deesChat = await expectStatus(call('start-chat', onQueueSite, { body: { visitorId: 'w1' } }), 201, 'dee takes a chat');
    const stream = await recordStream();
    const waiting = await expectStatus(call('start-chat', onQueueSite, { body: { visitorId: 'w2' } }), 202, 'dee is full: the chat waits');
    expect(waiting.chat.status).toBe('waiting');
    const readWaiting = (token: string) => call('get-chat', { ...onQueueSite, chatId: waiting.chat.id }, { token });
    const seenByVisitor = await expectStatus(readWaiting(waiting.chatToken), 200, 'get-chat: the visitor, by its chat token');
    expect(seenByVisitor.queue.position).toBe(1);
    await expectStatus(readWaiting(queueAdmin.token), 200, 'get-chat: the admin');
    const queue = await expectStatus(call('list-queue', onQueueSite, queueAdmin), 200, 'list-queue: the admin');
    expect(queue.waiting.map((entry: { chatId: string }) => entry.chatId)).toEqual([waiting.chat.id]);
    await expectStatus(call('list-queue', onQueueSite, { token: deeToken }), 200, 'list-queue: an operator');
    await expectStatus(call('close-chat', { ...onQueueSite, chatId: deesChat.chat.id }, { token: deeToken }), 200, 'dee closes her chat');
    const batches = await stream.stop(2);
    const records = batches.flatMap((batch) => batch.Records);
    for (const record of records) expect(passesFilters(record, DISPATCH_FILTER_PATTERNS), recordKind(record)).toBe(true);
    expect(records.map(recordKind)).toEqual(['INSERT waiting', 'MODIFY operator']);
    for (const batch of batches) expect((await dispatch(batch)).result.batchItemFailures).toEqual([]);
    const dispatched = await expectStatus(readWaiting(deeToken), 200, 'get-chat: its operator');
    expect(dispatched.chat).toMatchObject({ status: 'assigned', operatorId: 'dee' });
    expect(dispatched.operator).toMatchObject({ id: 'dee' });

    // Least-busy: the chat start, the dispatcher and (below) the repair read the load index.
    await expectStatus(
      call('update-settings', onQueueSite, { ...queueAdmin, body: { distribution: 'least-busy' } }),
      200,
      'the queue site routes least-busy',
    );
    const byLoad = await recordStream();
    const third = await expectStatus(call('start-chat', onQueueSite, { body: { visitorId: 'w3' } }), 202, 'dee is full again: waits');
    await expectStatus(call('close-chat', { ...onQueueSite, chatId: waiting.chat.id }, { token: deeToken }), 200, 'dee closes that chat');
    for (const batch of await byLoad.stop(2)) expect((await dispatch(batch)).result.batchItemFailures).toEqual([]);
    const byLoadChat = await expectStatus(call('get-chat', { ...onQueueSite, chatId: third.chat.id }, { token: deeToken }), 200, 'get-chat: dee');
    expect(byLoadChat.chat).toMatchObject({ status: 'assigned', operatorId: 'dee', assignedBy: 'least-busy' });
    await expectStatus(call('start-chat', onQueueSite, { body: { visitorId: 'w4' } }), 202, 'one more waits, for the repair');

    // The periodic repair, on a site of its own where nobody is online: two chats wait, the older
    // longer than the site allows (set back by hand). Eve comes online and her event is lost (no
    // dispatcher here): the repair expires the older chat and assigns her the other.
    const repairSite = await expectStatus(call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'Repair' } }), 201, 'repair site');
    const onRepairSite = { siteId: repairSite.siteId as string };
    const eve = { ...onRepairSite, operatorId: 'eve' };
    const eveToken = (await expectStatus(call('put-operator', eve, { token: repairSite.adminToken, body: { name: 'Eve' } }), 201, 'create eve'))
      .operatorToken as string;
    const overdue = await expectStatus(call('start-chat', onRepairSite, { body: { visitorId: 'r1' } }), 202, 'nobody online: waits');
    const recent = await expectStatus(call('start-chat', onRepairSite, { body: { visitorId: 'r2' } }), 202, 'waits behind it');
    const longAgo = Date.now() - 3_600_000;
    await testDocumentClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: waitKey(onRepairSite.siteId, overdue.chat.id),
        UpdateExpression: 'SET createdAt = :then, staleAt = :thenMs',
        ExpressionAttributeValues: { ':then': new Date(longAgo).toISOString(), ':thenMs': longAgo },
      }),
    );
    await expectStatus(call('set-operator-status', eve, { token: eveToken, body: { status: 'online' } }), 200, 'eve online');
    const repaired = await repair();
    expect(repaired.result.expired).toBeGreaterThanOrEqual(1);
    expect(repaired.result.assigned).toBeGreaterThanOrEqual(1);
    const expired = await expectStatus(
      call('get-chat', { ...onRepairSite, chatId: overdue.chat.id }, { token: overdue.chatToken }),
      200,
      'get-chat: an expired chat',
    );
    expect(expired.chat.status).toBe('unassigned');
    const assigned = await expectStatus(call('get-chat', { ...onRepairSite, chatId: recent.chat.id }, { token: eveToken }), 200, 'get-chat: eve');
    expect(assigned.chat).toMatchObject({ status: 'assigned', operatorId: 'eve' });

    // With an answer timeout, the repair's dispatch sends the deadline of what it assigns; one
    // whose message was lost (its deadline set back by hand, none delivered) the next pass takes
    // back itself: the chat waits again (its queue entry written), Eve's miss counted.
    await expectStatus(call('update-settings', onRepairSite, { token: repairSite.adminToken, body: { answerTimeoutSeconds: 60 } }), 200, 'answer timeout');
    await expectStatus(call('set-operator-status', eve, { token: eveToken, body: { status: 'offline' } }), 200, 'eve offline');
    const lostDeadline = await expectStatus(call('start-chat', onRepairSite, { body: { visitorId: 'r3' } }), 202, 'waits for eve');
    await expectStatus(call('set-operator-status', eve, { token: eveToken, body: { status: 'online' } }), 200, 'eve online again');
    const assigning = await repair();
    expect(assigning.result.assigned).toBe(1);
    deadlinesSent(assigning.calls, 1);
    const dueLongAgo = Date.now() - 120_000;
    await testDocumentClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: chatKey(onRepairSite.siteId, lostDeadline.chat.id),
        UpdateExpression: 'SET assignedAt = :then, staleAt = :due',
        ConditionExpression: 'operatorId = :eve',
        ExpressionAttributeValues: { ':then': new Date(dueLongAgo - 60_000).toISOString(), ':due': dueLongAgo, ':eve': 'eve' },
      }),
    );
    const takingBack = await repair();
    expect(takingBack.result).toMatchObject({ takenBack: 1 });
    const missed = await expectStatus(call('get-chat', { ...onRepairSite, chatId: lostDeadline.chat.id }, { token: lostDeadline.chatToken }), 200, 'get-chat: taken back');
    expect(missed.chat).toMatchObject({ status: 'waiting', missedBy: ['eve'] });

    // Messages, on a site of its own: a chat starts with the visitor's first message and its
    // contact (in the claim's transaction); the visitor writes (a check of the chat), Ned's first
    // reply accepts it (the chat's update), the admin reads them (one Query). With Ned offline
    // and the queue off, a chat nobody takes is a follow-up request, listed from the openChats index.
    const messageSite = await expectStatus(call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'Messages' } }), 201, 'messages site');
    const onMessageSite = { siteId: messageSite.siteId as string };
    const messageAdmin = { token: messageSite.adminToken as string };
    const ned = { ...onMessageSite, operatorId: 'ned' };
    const nedToken = (await expectStatus(call('put-operator', ned, { ...messageAdmin, body: { name: 'Ned' } }), 201, 'create ned')).operatorToken as string;
    await expectStatus(call('set-operator-status', ned, { token: nedToken, body: { status: 'online' } }), 200, 'ned online');
    const talk = await expectStatus(
      call('start-chat', onMessageSite, { body: { visitorId: 'm1', message: 'Hello?', contact: { name: 'Max', email: 'max@example.com' } } }),
      201,
      'a chat with a first message',
    );
    const onTalk = { ...onMessageSite, chatId: talk.chat.id as string };
    // With an Idempotency-Key (its record in the idempotency table), and the retry of it.
    const keyed = { token: talk.chatToken, body: { text: 'Anyone there?' }, headers: { 'idempotency-key': 'message-1' } };
    const written = await expectStatus(call('post-message', onTalk, keyed), 201, 'the visitor writes');
    expect((await expectStatus(call('post-message', onTalk, keyed), 201, 'the retry')).message).toEqual(written.message);
    await expectStatus(call('post-message', onTalk, { token: nedToken, body: { text: 'Hi, Max!' } }), 201, "ned's first reply");
    const read = await expectStatus(call('list-messages', onTalk, messageAdmin), 200, 'the admin reads them');
    expect(read.messages.map((message: { from: string; text: string }) => `${message.from}: ${message.text}`)).toEqual([
      'visitor: Hello?',
      'visitor: Anyone there?',
      'operator: Hi, Max!',
    ]);
    expect((await expectStatus(call('get-chat', onTalk, messageAdmin), 200, 'accepted by the reply')).chat.acceptedAt).not.toBeNull();
    // Closed, the chat refuses a new keyed message, whose record is then dropped.
    await expectStatus(call('close-chat', onTalk, { token: nedToken }), 200, 'ned closes the chat');
    await expectStatus(
      call('post-message', onTalk, { token: talk.chatToken, body: { text: 'One more thing' }, headers: { 'idempotency-key': 'message-2' } }),
      409,
      'a keyed message to a closed chat',
    );
    await expectStatus(call('update-settings', onMessageSite, { ...messageAdmin, body: { queueEnabled: false } }), 200, 'queue off');
    await expectStatus(call('set-operator-status', ned, { token: nedToken, body: { status: 'offline' } }), 200, 'ned offline');
    const request = await expectStatus(
      call('start-chat', onMessageSite, { body: { visitorId: 'm2', message: 'Call me back', contact: { email: 'ann@example.com' } } }),
      202,
      'nobody: a follow-up request',
    );
    const followUps = await expectStatus(call('list-chats', onMessageSite, { ...messageAdmin, query: { status: 'unassigned' } }), 200, 'follow-ups');
    expect(followUps.chats.map((chat: { id: string }) => chat.id)).toEqual([request.chat.id]);

    // Groups and deadlines, on a site of their own: Fay (in no group) is online, Gil (in the
    // groups) is not. A chat for a group waits for it and sends its fallback moment to the
    // deadline queue. Delivered before it is due, the handler sends it again; due (the fallback
    // lowered meanwhile), the chat may go to anyone and Fay takes it. A deleted group's waiting
    // chat may go to anyone at once (Gil leaves the group); its deadline, delivered later, finds
    // it assigned. Both under the queue's order and least-busy (the load index).
    const groupSite = await expectStatus(call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'Groups' } }), 201, 'groups site');
    const onGroupSite = { siteId: groupSite.siteId as string };
    const groupAdmin = { token: groupSite.adminToken as string };
    const putGroup = (groupId: string, body: unknown, status: number, what: string) =>
      expectStatus(call('put-group', { ...onGroupSite, groupId }, { ...groupAdmin, body }), status, what);
    const listGroups = async (what: string) =>
      ((await expectStatus(call('list-groups', onGroupSite, groupAdmin), 200, what)).groups as { id: string }[]).map((listed) => listed.id).sort();
    expect(await listGroups('list-groups: none yet')).toEqual([]);
    await putGroup('sales', { name: 'Sales', fallbackAfterSeconds: 30 }, 201, 'create sales');
    await putGroup('support', { name: 'Support', fallbackAfterSeconds: 30 }, 201, 'create support');
    expect((await putGroup('sales', { name: 'Sales team' }, 200, 'rename sales')).group).toMatchObject({ name: 'Sales team', fallbackAfterSeconds: 30 });
    const fay = { ...onGroupSite, operatorId: 'fay' };
    const fayToken = (await expectStatus(call('put-operator', fay, { ...groupAdmin, body: { name: 'Fay', maxChats: 10 } }), 201, 'create fay'))
      .operatorToken as string;
    await expectStatus(call('set-operator-status', fay, { token: fayToken, body: { status: 'online' } }), 200, 'fay online');
    // Gil's group copies: written with him (each group checked to exist), one deleted as he
    // leaves its group and another written as he joins one, then both.
    const gil = (groups: string[], status: number, what: string) =>
      expectStatus(call('put-operator', { ...onGroupSite, operatorId: 'gil' }, { ...groupAdmin, body: { name: 'Gil', groups } }), status, what);
    await gil(['sales'], 201, 'create gil, in sales');
    await gil(['support'], 200, 'gil leaves sales for support');
    await gil(['sales', 'support'], 200, 'gil in both groups');
    expect(await listGroups('list-groups')).toEqual(['sales', 'support']);
    /** A chat for the group: nobody of it is online, so it waits, and its fallback moment is sent. */
    const groupChat = async (visitorId: string, groupId: string) => {
      const reply = await call('start-chat', onGroupSite, { body: { visitorId, group: groupId } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(202);
      expect(reply.body.chat).toMatchObject({ status: 'waiting', group: groupId });
      const [sent] = deadlinesSent(reply.calls, 1);
      const dueAtMs = Date.parse(reply.body.chat.createdAt) + 30_000;
      expect(sent!.deadline).toEqual({ kind: 'group-fallback', siteId: onGroupSite.siteId, chatId: reply.body.chat.id, dueAtMs });
      expect(sent!.message.delaySeconds).toBeGreaterThanOrEqual(25);
      expect(sent!.message.delaySeconds).toBeLessThanOrEqual(30);
      return { chatId: reply.body.chat.id as string, message: sent!.message };
    };
    const chatOnGroupSite = async (chatId: string) =>
      (await expectStatus(call('get-chat', { ...onGroupSite, chatId }, groupAdmin), 200, 'get-chat: the admin')).chat;
    /** The deadline handler given the messages, as the event source hands them over: none of them fails. */
    const deliver = async (messages: SentMessage[]) => {
      const delivered = await handleDeadlines(messages);
      expect(delivered.result.batchItemFailures).toEqual([]);
      return delivered.calls;
    };
    for (const mode of ['queue order', 'least-busy'] as const) {
      if (mode === 'least-busy') {
        await expectStatus(call('update-settings', onGroupSite, { ...groupAdmin, body: { distribution: 'least-busy' } }), 200, 'groups site: least-busy');
      }
      const early = await groupChat(`early-${mode.replace(' ', '-')}`, 'sales');
      const [resent] = deadlinesSent(await deliver([early.message]), 1);
      expect(resent!.message.body).toBe(early.message.body);
      expect((await chatOnGroupSite(early.chatId)).status).toBe('waiting');
      await putGroup('sales', { name: 'Sales team', fallbackAfterSeconds: 0 }, 200, 'sales falls back at once');
      deadlinesSent(await deliver([resent!.message]), 0);
      expect(await chatOnGroupSite(early.chatId)).toMatchObject({ status: 'assigned', operatorId: 'fay' });
      await putGroup('sales', { name: 'Sales team', fallbackAfterSeconds: 30 }, 200, 'sales falls back after 30 s again');
      const deleted = mode === 'least-busy' ? 'sales' : 'support';
      const orphan = await groupChat(`orphan-${mode.replace(' ', '-')}`, deleted);
      await expectStatus(call('delete-group', { ...onGroupSite, groupId: deleted }, groupAdmin), 204, `delete ${deleted}`);
      expect(await chatOnGroupSite(orphan.chatId)).toMatchObject({ status: 'assigned', operatorId: 'fay' });
      deadlinesSent(await deliver([orphan.message]), 0);
    }
    await expectStatus(call('delete-group', { ...onGroupSite, groupId: 'sales' }, groupAdmin), 404, 'a group with nothing left of it');
    expect(await listGroups('list-groups: none left')).toEqual([]);

    // Answers, operators who leave, and transfers, on a site of their own that takes a chat back
    // unless its operator accepts it within 60 s, and sets an operator away after one miss.
    // Hal is in no group, Mo in billing (which never falls back).
    const answerSite = await expectStatus(call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'Answers' } }), 201, 'answers site');
    const onAnswerSite = { siteId: answerSite.siteId as string };
    const answerAdmin = { token: answerSite.adminToken as string };
    await expectStatus(
      call('update-settings', onAnswerSite, { ...answerAdmin, body: { answerTimeoutSeconds: 60, awayAfterMisses: 1, allowVisitorChoice: true } }),
      200,
      'answers site: a 60 s answer timeout, away after one miss',
    );
    await expectStatus(call('put-group', { ...onAnswerSite, groupId: 'billing' }, { ...answerAdmin, body: { name: 'Billing' } }), 201, 'create billing');
    const answerTokens: Record<string, string> = {};
    for (const [id, body] of [
      ['hal', { name: 'Hal' }],
      ['kim', { name: 'Kim' }],
      ['lee', { name: 'Lee' }],
      ['mo', { name: 'Mo', groups: ['billing'] }],
    ] as const) {
      answerTokens[id] = (await expectStatus(call('put-operator', { ...onAnswerSite, operatorId: id }, { ...answerAdmin, body }), 201, `create ${id}`))
        .operatorToken as string;
    }
    const answerOperator = (id: string) => ({ ...onAnswerSite, operatorId: id });
    const setAnswerStatus = (id: string, status: string) =>
      expectStatus(call('set-operator-status', answerOperator(id), { token: answerTokens[id], body: { status } }), 200, `${id} ${status}`);
    const chatOnAnswerSite = async (chatId: string) =>
      (await expectStatus(call('get-chat', { ...onAnswerSite, chatId }, answerAdmin), 200, 'get-chat: the admin')).chat;
    const operatorOnAnswerSite = async (id: string) =>
      ((await expectStatus(call('list-operators', onAnswerSite, answerAdmin), 200, 'list-operators')).operators as { id: string }[]).find(
        (listed) => listed.id === id,
      );
    /** The one deadline these requests sent: the answer timeout of the chat's assignment to `operatorId`. */
    const answerDeadlineOf = (calls: RecordedCall[], chat: { id: string }, operatorId: string) => {
      const [sent] = deadlinesSent(calls, 1);
      const { assignedAt } = sent!.deadline as { assignedAt: string };
      expect(sent!.deadline).toEqual({
        kind: 'answer-timeout',
        siteId: onAnswerSite.siteId,
        chatId: chat.id,
        operatorId,
        assignedAt,
        dueAtMs: Date.parse(assignedAt) + 60_000,
      });
      expect(sent!.message.delaySeconds).toBeGreaterThanOrEqual(55);
      expect(sent!.message.delaySeconds).toBeLessThanOrEqual(60);
      return sent!.message;
    };
    const acceptBy = (id: string, chatId: string) => call('accept-chat', { ...onAnswerSite, chatId }, { token: answerTokens[id] });
    const transfer = (chatId: string, token: string, body: unknown) => call('transfer-chat', { ...onAnswerSite, chatId }, { token, body });

    // Kim, alone online, gets a chat (its answer deadline sent) and accepts it (twice: the same
    // chat); another operator may not. Its deadline, delivered, then changes nothing.
    await setAnswerStatus('kim', 'online');
    const kept = await call('start-chat', onAnswerSite, { body: { visitorId: 'a1' } });
    expect(kept.status, JSON.stringify(kept.body)).toBe(201);
    const keptDeadline = answerDeadlineOf(kept.calls, kept.body.chat, 'kim');
    const accepted = await expectStatus(acceptBy('kim', kept.body.chat.id), 200, 'kim accepts');
    expect(accepted.chat).toMatchObject({ status: 'assigned', operatorId: 'kim', acceptedAt: expect.any(String) });
    expect((await expectStatus(acceptBy('kim', kept.body.chat.id), 200, 'kim accepts again')).chat).toEqual(accepted.chat);
    await expectStatus(acceptBy('lee', kept.body.chat.id), 409, 'lee may not accept kim’s chat');
    deadlinesSent(await deliver([keptDeadline]), 0);
    expect(await chatOnAnswerSite(kept.body.chat.id)).toEqual(accepted.chat);

    // Kim gets another chat and goes offline before accepting it, Lee being online: her record
    // passes the filters as an operator leaving with chats, and the dispatcher takes that chat back
    // (read from the openChats index, its queue entry written), leaves her accepted one, and
    // assigns it to Lee, sending its answer deadline.
    const unanswered = await call('start-chat', onAnswerSite, { body: { visitorId: 'a2' } });
    expect(unanswered.status, JSON.stringify(unanswered.body)).toBe(201);
    answerDeadlineOf(unanswered.calls, unanswered.body.chat, 'kim');
    const unansweredId = unanswered.body.chat.id as string;
    await setAnswerStatus('lee', 'online');
    const leaving = await recordStream();
    await setAnswerStatus('kim', 'offline');
    const leftBatches = await leaving.stop(1);
    const leftRecords = leftBatches.flatMap((batch) => batch.Records);
    for (const record of leftRecords) expect(passesFilters(record, DISPATCH_FILTER_PATTERNS), recordKind(record)).toBe(true);
    expect(leftRecords.map(recordKind)).toEqual(['MODIFY operator']);
    const rerouteCalls: RecordedCall[] = [];
    for (const batch of leftBatches) {
      const run = await dispatch(batch);
      expect(run.result.batchItemFailures).toEqual([]);
      rerouteCalls.push(...run.calls);
    }
    const leesDeadline = answerDeadlineOf(rerouteCalls, { id: unansweredId }, 'lee');
    const rerouted = await chatOnAnswerSite(unansweredId);
    expect(rerouted).toMatchObject({ status: 'assigned', operatorId: 'lee', acceptedAt: null, missedBy: [] });
    expect(await chatOnAnswerSite(kept.body.chat.id)).toMatchObject({ status: 'assigned', operatorId: 'kim' });

    // Lee does not answer. Delivered before it is due, the deadline is sent again. Then the chat
    // was assigned to Lee 61 s ago (set back by hand, and its deadline with it): delivered, the
    // deadline takes the chat back (it waits again, its queue entry written, Lee's miss counted)
    // and sets Lee away. The deadline as first sent no longer matches the assignment: nothing.
    const [resentToLee] = deadlinesSent(await deliver([leesDeadline]), 1);
    expect(resentToLee!.message.body).toBe(leesDeadline.body);
    expect((await chatOnAnswerSite(unansweredId)).status).toBe('assigned');
    const assignedLongAgo = new Date(Date.now() - 61_000).toISOString();
    await testDocumentClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: chatKey(onAnswerSite.siteId, unansweredId),
        UpdateExpression: 'SET assignedAt = :then',
        ConditionExpression: 'assignedAt = :was',
        ExpressionAttributeValues: { ':then': assignedLongAgo, ':was': rerouted.assignedAt },
      }),
    );
    const overdueDeadline = { ...JSON.parse(leesDeadline.body), assignedAt: assignedLongAgo, dueAtMs: Date.parse(assignedLongAgo) + 60_000 };
    // Set away, Lee's liveness checks start again: the first is sent.
    const [awayCheck] = deadlinesSent(await deliver([{ ...leesDeadline, messageId: randomUUID(), body: JSON.stringify(overdueDeadline) }]), 1);
    expect(JSON.parse(awayCheck!.message.body)).toMatchObject({ kind: 'liveness-check', siteId: onAnswerSite.siteId, operatorId: 'lee' });
    expect(await chatOnAnswerSite(unansweredId)).toMatchObject({ status: 'waiting', operatorId: null, assignedAt: null, missedBy: ['lee'] });
    expect(await operatorOnAnswerSite('lee')).toMatchObject({ status: 'away', activeChats: 0, missed: 1, missedInARow: 1 });
    deadlinesSent(await deliver([resentToLee!.message]), 0);
    expect((await chatOnAnswerSite(unansweredId)).status).toBe('waiting');

    // Transfers to an operator: the admin gives the waiting chat to Hal, Hal gives it to Mo
    // (each sends the new assignment's answer deadline); Mo accepts it and closes it. Lee, away,
    // may not be given a chat; Kim may not transfer a chat that is not hers.
    await setAnswerStatus('hal', 'online');
    await setAnswerStatus('mo', 'online');
    await expectStatus(transfer(unansweredId, answerAdmin.token, { operatorId: 'lee' }), 409, 'lee is away');
    await expectStatus(transfer(unansweredId, answerTokens.kim!, { operatorId: 'hal' }), 409, 'not kim’s chat');
    const toHal = await transfer(unansweredId, answerAdmin.token, { operatorId: 'hal' });
    expect(toHal.status, JSON.stringify(toHal.body)).toBe(200);
    expect(toHal.body.chat).toMatchObject({ status: 'assigned', operatorId: 'hal', assignedBy: 'transfer', acceptedAt: null });
    answerDeadlineOf(toHal.calls, { id: unansweredId }, 'hal');
    const toMo = await transfer(unansweredId, answerTokens.hal!, { operatorId: 'mo' });
    expect(toMo.status, JSON.stringify(toMo.body)).toBe(200);
    expect(toMo.body.chat).toMatchObject({ status: 'assigned', operatorId: 'mo', assignedBy: 'transfer', acceptedAt: null });
    answerDeadlineOf(toMo.calls, { id: unansweredId }, 'mo');
    await expectStatus(acceptBy('mo', unansweredId), 200, 'mo accepts');
    await expectStatus(call('close-chat', { ...onAnswerSite, chatId: unansweredId }, { token: answerTokens.mo }), 200, 'mo closes it');

    // Transfers to a group, by the chat's operator: Hal's chat (the visitor chose him) is taken
    // back into billing's queue (its entry written) and routed within it at once, to Mo (its entry
    // deleted), under the queue's order and least-busy (the load index); each sends Mo's deadline.
    const toBilling: string[] = [];
    for (const mode of ['queue order', 'least-busy'] as const) {
      if (mode === 'least-busy') {
        await expectStatus(call('update-settings', onAnswerSite, { ...answerAdmin, body: { distribution: 'least-busy' } }), 200, 'answers site: least-busy');
      }
      const halsChat = await expectStatus(
        call('start-chat', onAnswerSite, { body: { visitorId: `t-${mode.replace(' ', '-')}`, operatorId: 'hal' } }),
        201,
        'the visitor chooses hal',
      );
      const moved = await transfer(halsChat.chat.id, answerTokens.hal!, { group: 'billing' });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body.chat).toMatchObject({
        status: 'assigned',
        operatorId: 'mo',
        group: 'billing',
        assignedBy: mode === 'least-busy' ? 'least-busy' : 'queue',
        acceptedAt: null,
      });
      answerDeadlineOf(moved.calls, halsChat.chat, 'mo');
      toBilling.push(halsChat.chat.id);
    }

    // Mo is deleted holding both, unaccepted: his record passes the filters as an operator
    // removed with chats, and the dispatcher takes them back; they wait for billing, where
    // nobody is left.
    const removing = await recordStream();
    await expectStatus(call('delete-operator', answerOperator('mo'), answerAdmin), 204, 'delete mo');
    const removedBatches = await removing.stop(1);
    const removedRecords = removedBatches.flatMap((batch) => batch.Records);
    for (const record of removedRecords) expect(passesFilters(record, DISPATCH_FILTER_PATTERNS), recordKind(record)).toBe(true);
    expect(removedRecords.map(recordKind)).toEqual(['REMOVE operator']);
    for (const batch of removedBatches) {
      const run = await dispatch(batch);
      expect(run.result.batchItemFailures).toEqual([]);
      deadlinesSent(run.calls, 0);
    }
    for (const chatId of toBilling) {
      expect(await chatOnAnswerSite(chatId)).toMatchObject({ status: 'waiting', operatorId: null, group: 'billing' });
    }

    // Webhooks, on a site of their own whose receiver is a real HTTP server. The first webhook
    // URL's secret is derived from the signing key (read from its secret) and returned once; the
    // same URL again reads nothing of it. A site without a URL is the publisher's too.
    const receiver = await startWebhookReceiver();
    try {
      const hookSite = await expectStatus(call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'Webhooks' } }), 201, 'webhooks site');
      const onHookSite = { siteId: hookSite.siteId as string };
      const hookAdmin = { token: hookSite.adminToken as string };
      const secretReads = (calls: RecordedCall[]) =>
        calls.filter((recorded) => recorded.operation === 'secretsmanager:GetSecretValue').map((recorded) => recorded.input.SecretId as string);
      const firstUrl = await call('update-settings', onHookSite, { ...hookAdmin, body: { webhookUrl: receiver.url } });
      expect(firstUrl.status, JSON.stringify(firstUrl.body)).toBe(200);
      expect(firstUrl.body).toMatchObject({ webhookUrl: receiver.url, webhookSecret: expect.stringMatching(/^whsec_/) });
      expect(secretReads(firstUrl.calls)).toEqual([WEBHOOK_KEY_ARN]);
      const firstSecret = firstUrl.body.webhookSecret as string;
      const sameUrl = await call('update-settings', onHookSite, { ...hookAdmin, body: { webhookUrl: receiver.url } });
      expect(sameUrl.status).toBe(200);
      expect(sameUrl.body.webhookSecret).toBeUndefined();
      expect(secretReads(sameUrl.calls)).toEqual([]);
      const ivy = { ...onHookSite, operatorId: 'ivy' };
      const ivyToken = (await expectStatus(call('put-operator', ivy, { ...hookAdmin, body: { name: 'Ivy' } }), 201, 'create ivy')).operatorToken as string;
      await expectStatus(call('set-operator-status', ivy, { token: ivyToken, body: { status: 'online' } }), 200, 'ivy online');
      const quietSite = await expectStatus(call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'No webhooks' } }), 201, 'a site without webhooks');

      // A chat assigned to Ivy, its visitor's message, and a chat of the other site: their records
      // pass the publisher's filters, and the publisher (given those records) reads each site and
      // the message's chat, and queues the webhook site's events (SendMessageBatch), none of the other's.
      const hookStream = await recordStream(webhookPublisherJob.filterPatterns);
      const hookChat = await expectStatus(call('start-chat', onHookSite, { body: { visitorId: 'h1' } }), 201, 'ivy takes a chat');
      await expectStatus(
        call('post-message', { ...onHookSite, chatId: hookChat.chat.id }, { token: hookChat.chatToken, body: { text: 'Hello, Ivy' } }),
        201,
        'the visitor writes',
      );
      await expectStatus(call('start-chat', { siteId: quietSite.siteId }, { body: { visitorId: 'q1' } }), 202, 'nobody there: it waits');
      const hookBatches = await hookStream.stop(3);
      const hookRecords = hookBatches.flatMap((batch) => batch.Records);
      for (const record of hookRecords) expect(passesFilters(record, webhookPublisherJob.filterPatterns), recordKind(record)).toBe(true);
      expect(hookRecords.map(recordKind)).toEqual(expect.arrayContaining(['INSERT chat', 'INSERT message']));
      const queuedBefore = sqs.sent.length;
      const publishCalls: RecordedCall[] = [];
      for (const batch of hookBatches) publishCalls.push(...(await publishWebhooks(batch)).calls);
      const publishSends = publishCalls.filter((recorded) => recorded.operation.startsWith('sqs:'));
      expect(publishSends.length).toBeGreaterThan(0);
      for (const recorded of publishSends) {
        expect(recorded).toMatchObject({ operation: 'sqs:SendMessageBatch', status: 200 });
        expect(recorded.input.QueueUrl).toBe(WEBHOOK_QUEUE_URL());
      }
      const queued = sqs.sent.slice(queuedBefore);
      expect(queued.every((message) => message.queueArn === WEBHOOK_QUEUE_ARN)).toBe(true);
      const queuedEvents = queued.map((message) => JSON.parse(message.body) as WebhookEvent);
      expect(queuedEvents.every((event) => event.siteId === onHookSite.siteId)).toBe(true);
      expect(queuedEvents.map((event) => event.type)).toEqual(expect.arrayContaining(['chat.assigned', 'message.created']));
      expect(new Set(queuedEvents.map((event) => event.id)).size).toBe(queuedEvents.length);

      // The sender, given them as the queue's event source would: each is delivered (the site read,
      // the key read, the delivery recorded), signed with the site's secret; nothing is failed or delayed.
      const delivered = await sendWebhooks(sqs.event(queued));
      expect(delivered.result.batchItemFailures).toEqual([]);
      // (The deliveries run side by side: each may read the key before the first read is cached.)
      expect([...new Set(secretReads(delivered.calls))]).toEqual([WEBHOOK_KEY_ARN]);
      expect(delivered.calls.filter((recorded) => recorded.operation.startsWith('sqs:'))).toEqual([]);
      expect(receiver.events().map((event) => event.id).sort()).toEqual(queuedEvents.map((event) => event.id).sort());
      const signedWith = (secret: string, entry: (typeof receiver.received)[number]) =>
        verifySignature(secret, String(entry.headers['webhook-signature']), entry.body, Math.floor(Date.now() / 1000));
      for (const entry of receiver.received) expect(signedWith(firstSecret, entry)).toBe(true);

      // The receiver fails: the delivery is reported failed, after asking SQS to bring it back after
      // its backoff (ChangeMessageVisibility on the record's receipt handle). At its last receive it
      // is reported failed and not delayed: SQS moves it to the dead letters.
      receiver.behave(() => 500);
      const [failing] = queued;
      const firstTry = sqs.event([failing!]);
      const failed = await sendWebhooks(firstTry);
      expect(failed.result.batchItemFailures).toEqual([{ itemIdentifier: failing!.messageId }]);
      const delays = failed.calls.filter((recorded) => recorded.operation.startsWith('sqs:'));
      expect(delays).toHaveLength(1);
      expect(delays[0]).toMatchObject({ operation: 'sqs:ChangeMessageVisibility', status: 200 });
      expect(delays[0]!.input).toEqual({
        QueueUrl: WEBHOOK_QUEUE_URL(),
        ReceiptHandle: firstTry.Records[0]!.receiptHandle,
        VisibilityTimeout: retryDelaySeconds(1),
      });
      const lastTry = await sendWebhooks(sqs.event([failing!], WEBHOOK_MAX_RECEIVES));
      expect(lastTry.result.batchItemFailures).toEqual([{ itemIdentifier: failing!.messageId }]);
      expect(lastTry.calls.filter((recorded) => recorded.operation.startsWith('sqs:'))).toEqual([]);

      // The admin reads the deliveries (a Query of the site's partition): the failed event's last
      // attempt, the others delivered.
      const deliveries = await expectStatus(call('list-webhook-deliveries', onHookSite, hookAdmin), 200, 'list-webhook-deliveries');
      const stateOf = new Map((deliveries.deliveries as { eventId: string; state: string; attempts: number }[]).map((d) => [d.eventId, d]));
      expect([...stateOf.keys()].sort()).toEqual(queuedEvents.map((event) => event.id).sort());
      const failingId = JSON.parse(failing!.body).id as string;
      expect(stateOf.get(failingId)).toMatchObject({ state: 'failed', attempts: WEBHOOK_MAX_RECEIVES, responseStatus: 500 });
      for (const event of queuedEvents.filter((candidate) => candidate.id !== failingId)) expect(stateOf.get(event.id)?.state).toBe('delivered');

      // The admin rotates the secret (the key read, the site's seed updated): the event, redriven
      // by hand and delivered again, is signed with the new secret only.
      const rotated = await call('rotate-webhook-secret', onHookSite, hookAdmin);
      expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
      expect(secretReads(rotated.calls)).toEqual([WEBHOOK_KEY_ARN]);
      const newSecret = rotated.body.webhookSecret as string;
      expect(newSecret).toMatch(/^whsec_/);
      expect(newSecret).not.toBe(firstSecret);
      receiver.behave(() => 200);
      const receivedBefore = receiver.received.length;
      expect((await sendWebhooks(sqs.event([failing!]))).result.batchItemFailures).toEqual([]);
      const redelivered = receiver.received.slice(receivedBefore);
      expect(redelivered.map((entry) => entry.json.id)).toEqual([failingId]);
      expect(signedWith(newSecret, redelivered[0]!)).toBe(true);
      expect(signedWith(firstSecret, redelivered[0]!)).toBe(false);

      // The URL removed, a queued event is dropped: read, not delivered, not recorded, not failed.
      await expectStatus(call('update-settings', onHookSite, { ...hookAdmin, body: { webhookUrl: null } }), 200, 'no webhook URL');
      const dropped = await sendWebhooks(sqs.event([queued[1]!]));
      expect(dropped.result.batchItemFailures).toEqual([]);
      expect(receiver.received).toHaveLength(receivedBefore + 1);
      expect(dropped.calls.map((recorded) => recorded.operation)).toEqual(['dynamodb:GetItem']);
    } finally {
      await receiver.close();
    }

    // Live updates, on a site of their own where Lou is online, through the WebSocket API's three
    // functions, the deadline handler and the notifier, each posting to and closing connections
    // through the recording Management API. The routes tell the pages where to connect.
    const liveSite = await expectStatus(call('create-site', {}, { token: PLATFORM_TOKEN, body: { name: 'Live' } }), 201, 'live site');
    const onLiveSite = { siteId: liveSite.siteId as string };
    const liveAdmin = { token: liveSite.adminToken as string };
    const lou = { ...onLiveSite, operatorId: 'lou' };
    const louToken = (await expectStatus(call('put-operator', lou, { ...liveAdmin, body: { name: 'Lou', maxChats: 1 } }), 201, 'create lou'))
      .operatorToken as string;
    await expectStatus(call('set-operator-status', lou, { token: louToken, body: { status: 'online' } }), 200, 'lou online');
    expect((await expectStatus(call('get-widget', onLiveSite), 200, 'get-widget: where to connect')).liveUrl).toBe(LIVE_URL);
    expect((await expectStatus(call('get-me', {}, { token: louToken }), 200, 'get-me: where to connect')).liveUrl).toBe(LIVE_URL);
    const louChat = await expectStatus(call('start-chat', onLiveSite, { body: { visitorId: 'l1' } }), 201, 'lou takes a chat');
    const operations = (calls: RecordedCall[]) => calls.map((recorded) => recorded.operation);

    // $connect records the connection and sends its 10 s auth deadline (it cannot post yet).
    const connect = async (connectionId: string) => {
      live.connect(connectionId);
      const opened = await socket('$connect', connectionId);
      expect(opened.result).toEqual({ statusCode: 200 });
      expect(operations(opened.calls)).toEqual(['dynamodb:PutItem', 'sqs:SendMessage']);
      const [sent] = deadlinesSent(opened.calls, 1);
      expect(sent!.deadline).toEqual({ kind: 'live-auth', connectionId, dueAtMs: expect.any(Number) });
      expect(sent!.message.delaySeconds).toBeGreaterThanOrEqual(9);
      expect(sent!.message.delaySeconds).toBeLessThanOrEqual(10);
      return sent!.message;
    };
    // $default: the first frame authenticates (the token's owner read, or the chat; the connection
    // and its subscription in one transaction), and `ready` is posted back.
    const authenticate = async (connectionId: string, token: string) => {
      const authed = await socket('$default', connectionId, { type: 'auth', siteId: onLiveSite.siteId, token });
      expect(authed.result).toEqual({ statusCode: 200 });
      expect(live.posts(connectionId).at(-1)).toEqual({ type: 'ready' });
      expect(operations(authed.calls)).toEqual(expect.arrayContaining(['dynamodb:TransactWriteItems', 'execute-api:PostToConnection']));
      return authed.calls;
    };
    const louConsole = 'LouC0ns0le1A=';
    const louDeadline = await connect(louConsole);
    await authenticate(louConsole, louToken);
    await socket('$default', louConsole, { type: 'ping' });
    expect(live.posts(louConsole).at(-1)).toEqual({ type: 'pong' });
    const visitorWidget = 'V1sitorWidg=';
    await connect(visitorWidget);
    await authenticate(visitorWidget, louChat.chatToken);
    // A second console tab of Lou's, whose client then leaves without API Gateway telling anyone yet.
    const louTab = 'LouSec0ndTab=';
    await connect(louTab);
    await authenticate(louTab, louToken);
    live.vanish(louTab);
    // The admin's token may not listen: an error is posted and the connection closed (DeleteConnection).
    const adminSocket = 'Adm1nS0cket=';
    await connect(adminSocket);
    const refusedSocket = await socket('$default', adminSocket, { type: 'auth', siteId: onLiveSite.siteId, token: liveAdmin.token });
    expect(live.posts(adminSocket)).toEqual([{ type: 'error', code: 'forbidden', message: expect.any(String) }]);
    expect(operations(refusedSocket.calls)).toEqual(expect.arrayContaining(['execute-api:PostToConnection', 'execute-api:DeleteConnection']));
    expect(live.isOpen(adminSocket)).toBe(false);
    // A socket that never authenticates: its deadline, delivered when due, posts why, closes it
    // and deletes its record. Lou's, delivered, finds her authenticated and does nothing.
    const silent = 'S1lentS0cket=';
    const silentDeadline = await connect(silent);
    const closedSilent = await deliver([silentDeadline]);
    expect(live.posts(silent)).toEqual([{ type: 'error', code: 'auth_timeout', message: expect.any(String) }]);
    expect(operations(closedSilent)).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'execute-api:PostToConnection', 'execute-api:DeleteConnection', 'dynamodb:DeleteItem']),
    );
    expect(live.isOpen(silent)).toBe(false);
    const louPosts = live.posts(louConsole).length;
    const keptLou = await deliver([louDeadline]);
    expect(operations(keptLou)).toEqual(['dynamodb:GetItem']);
    expect(live.posts(louConsole)).toHaveLength(louPosts);

    // The notifier: the visitor writes and Lou closes the chat, then (Lou away) two chats wait and
    // the first one's visitor listens. Their records pass the notifier's filters; given them, the
    // notifier reads the site's connections (one Query of its partition), the waiting queue and the
    // places, and posts each event to those concerned; Lou's vanished tab answers 410, so its
    // connection and subscription are deleted.
    const liveStream = await recordStream(livePushJob.filterPatterns);
    const onLouChat = { ...onLiveSite, chatId: louChat.chat.id as string };
    await expectStatus(call('post-message', onLouChat, { token: louChat.chatToken, body: { text: 'Are you there, Lou?' } }), 201, 'the visitor writes');
    await expectStatus(call('close-chat', onLouChat, { token: louToken }), 200, 'lou closes the chat');
    await expectStatus(call('set-operator-status', lou, { token: louToken, body: { status: 'away' } }), 200, 'lou away');
    const firstWaiting = await expectStatus(call('start-chat', onLiveSite, { body: { visitorId: 'l2' } }), 202, 'nobody: it waits');
    const waitingWidget = 'Wa1tingWidg=';
    await connect(waitingWidget);
    await authenticate(waitingWidget, firstWaiting.chatToken);
    await expectStatus(call('start-chat', onLiveSite, { body: { visitorId: 'l3' } }), 202, 'another waits behind it');
    const liveBatches = await liveStream.stop(4);
    const liveRecords = liveBatches.flatMap((batch) => batch.Records);
    for (const record of liveRecords) expect(passesFilters(record, livePushJob.filterPatterns), recordKind(record)).toBe(true);
    expect(liveRecords.map(recordKind)).toEqual(expect.arrayContaining(['INSERT message', 'MODIFY chat', 'INSERT chat']));
    const pushCalls: RecordedCall[] = [];
    for (const batch of liveBatches) pushCalls.push(...(await pushLive(batch)).calls);
    const typesPostedTo = (connectionId: string) => live.posts(connectionId).map((message: { type: string }) => message.type);
    expect(typesPostedTo(louConsole)).toEqual(expect.arrayContaining(['message.created', 'chat.closed', 'queue.length']));
    expect(typesPostedTo(visitorWidget)).toEqual(expect.arrayContaining(['message.created', 'chat.closed']));
    expect(typesPostedTo(visitorWidget)).not.toContain('queue.length');
    expect(live.posts(waitingWidget)).toContainEqual(expect.objectContaining({ type: 'queue.position', queue: expect.objectContaining({ position: 1 }) }));
    expect(operations(pushCalls)).toEqual(expect.arrayContaining(['dynamodb:Query', 'execute-api:PostToConnection', 'dynamodb:DeleteItem']));
    expect(operations(pushCalls)).not.toContain('execute-api:DeleteConnection');
    const louTabItem = await testDocumentClient().send(new GetCommand({ TableName: tableName, Key: connectionKey(louTab), ConsistentRead: true }));
    expect(louTabItem.Item).toBeUndefined();

    // $disconnect: Lou's console closes; its connection and its subscription are deleted.
    const bye = await socket('$disconnect', louConsole);
    expect(operations(bye.calls)).toEqual(['dynamodb:DeleteItem', 'dynamodb:DeleteItem']);

    await expectStatus(call('get-health', {}), 200, 'health');
    await expectStatus(call('get-openapi', {}), 200, 'openapi');

    // Routes without a scenario here (added later) are still run, with the tokens their role admits.
    for (const route of ALL_ROUTES) {
      if (!invocations.some((done) => done.route === route && done.status < 300)) await exerciseGenerically(route);
    }
  });

  it('answered 2xx on every route of the route table at least once (else add a scenario above)', () => {
    const missing = ALL_ROUTES.filter((route) => !invocations.some((done) => done.route === route && done.status < 300)).map(routeKey);
    expect(missing).toEqual([]);
  });

  it('sent every AWS request from inside a function, and each function sent some', () => {
    expect(aws.calls.filter((recorded) => recorded.fn === undefined)).toEqual([]);
    for (const fn of FUNCTION_NAMES) {
      if (fn === 'get-health' || fn === 'get-openapi') expect(needsOf(fn), fn).toEqual([]);
      else expect(needsOf(fn).length, fn).toBeGreaterThan(0);
    }
  });

  it.each(FUNCTION_NAMES)('%s: its policy allows every request it sent', (fn) => {
    const grants = policies.get(fn)!;
    expect(grants, fn).toBeDefined();
    const denied = needsOf(fn).filter((need) => !grants.some((grant) => allows(grant, need)));
    expect(denied.map(show), `${fn} would get AccessDenied for`).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s: its policy grants nothing it never sent (Query targets, writes, reads, secrets)', (fn) => {
    const needs = needsOf(fn);
    const unused = policies
      .get(fn)!
      .filter((grant) => !mayGoUnused(fn, grant))
      .filter((grant) => !needs.some((need) => allows(grant, need)));
    expect(unused.map(show), `${fn} is granted, and never sent`).toEqual([]);
  });

  it("grants the event sources what they need (the stream readers' stream and dead letters, the queues' receives), and no one else any of it", () => {
    const touchesStreamOrQueue = (grant: Grant) => grant.resource.startsWith(STREAM_ARN()) || grant.action.startsWith('sqs:');
    for (const fn of FUNCTION_NAMES) {
      // What the function holds on streams and queues, less one statement for each queue grant it declares.
      const granted = policies.get(fn)!.filter(touchesStreamOrQueue).map(show);
      for (const declared of declaredQueueGrants(fn).map(show)) {
        expect(granted, fn).toContain(declared);
        granted.splice(granted.indexOf(declared), 1);
      }
      expect(granted.sort(), fn).toEqual(eventSourceGrants(fn).map(show).sort());
    }
  });

  it('sends deadlines (SendMessage on the deadline queue) from exactly the functions whose grants say so, and each of them did', () => {
    const declared = declaredGrants();
    const senders = FUNCTION_NAMES.filter((fn) => declared.get(fn)?.deadlines === true);
    // live-connect sends each connection's auth deadline.
    // update-settings sends the next page of a new heartbeat timeout.
    // set-operator-status sends the operator's first liveness check; the sweep, the next check of one whose message was lost.
    expect(senders.sort()).toEqual(['start-chat', 'transfer-chat', 'update-settings', 'live-connect', 'set-operator-status', DISPATCH, DEADLINES, REPAIR, SWEEP].sort());
    for (const fn of FUNCTION_NAMES) {
      const sent = needsOf(fn).filter((need) => need.action.startsWith('sqs:') && need.resource === DEADLINE_QUEUE_ARN);
      const granted = policies.get(fn)!.filter((grant) => grant.action === 'sqs:SendMessage' && grant.resource === DEADLINE_QUEUE_ARN);
      const expected = senders.includes(fn) ? [`sqs:SendMessage on ${DEADLINE_QUEUE_ARN}`] : [];
      expect(sent.map(show), fn).toEqual(expected);
      expect(granted.map(show), fn).toEqual(expected);
    }
  });

  it('uses the webhook queue from exactly the functions whose grants say so (the publisher sends, the sender delays a retry), each of them did, and SQS for nothing else', () => {
    const declared = declaredGrants();
    const users = Object.fromEntries(FUNCTION_NAMES.filter((fn) => declared.get(fn)?.webhooks).map((fn) => [fn, declared.get(fn)!.webhooks]));
    expect(users).toEqual({ [PUBLISH]: 'publish', [SEND]: 'deliver' });
    for (const fn of FUNCTION_NAMES) {
      const expected = users[fn] ? [`${WEBHOOK_ACTION[users[fn]]} on ${WEBHOOK_QUEUE_ARN}`] : [];
      const used = needsOf(fn).filter((need) => need.resource === WEBHOOK_QUEUE_ARN);
      expect(used.map(show), fn).toEqual(expected);
      // Less what its event source holds on the queue (the sender's consumes it), that is all it holds there.
      const granted = policies.get(fn)!.filter((grant) => grant.resource === WEBHOOK_QUEUE_ARN).map(show);
      for (const own of eventSourceGrants(fn).filter((grant) => grant.resource === WEBHOOK_QUEUE_ARN).map(show)) {
        expect(granted, fn).toContain(own);
        granted.splice(granted.indexOf(own), 1);
      }
      expect(granted, fn).toEqual(expected);
      // The dead letters are SQS's own (the redrive): no function sends to or reads them.
      expect(policies.get(fn)!.filter((grant) => grant.resource === WEBHOOK_DEAD_LETTERS_ARN).map(show), fn).toEqual([]);
      // Deadlines and webhook events are all the service's functions send to SQS.
      for (const need of needsOf(fn).filter((candidate) => candidate.action.startsWith('sqs:'))) {
        expect([DEADLINE_QUEUE_ARN, WEBHOOK_QUEUE_ARN], `${fn}: ${show(need)}`).toContain(need.resource);
      }
    }
  });

  it("manages the WebSocket API's connections (execute-api:ManageConnections on its stage, POST and DELETE) from exactly the functions granted `live`, each of which did", () => {
    const declared = declaredGrants();
    const granted = FUNCTION_NAMES.filter((fn) => declared.get(fn)?.live !== undefined);
    // The auth frame's answer and refusal, the auth deadline's close, the notifier's pushes.
    expect(granted.sort()).toEqual(['live-message', DEADLINES, LIVE_PUSH].sort());
    const expected = LIVE_CONNECTION_METHODS.map((method) => `${MANAGE_CONNECTIONS} on ${connectionsArn(method)}`).sort();
    expect(expected).toEqual([
      `execute-api:ManageConnections on arn:aws:execute-api:${REGION}:${ACCOUNT}:${LIVE_API_ID}/${LIVE_STAGE}/DELETE/@connections/*`,
      `execute-api:ManageConnections on arn:aws:execute-api:${REGION}:${ACCOUNT}:${LIVE_API_ID}/${LIVE_STAGE}/POST/@connections/*`,
    ]);
    for (const fn of FUNCTION_NAMES) {
      const held = policies.get(fn)!.filter((grant) => grant.action.startsWith('execute-api:'));
      // The notifier only posts (a connection it finds gone it removes from the table, not from API Gateway).
      const grantedMethods = declared.get(fn)?.live === 'post' ? ['POST'] : LIVE_CONNECTION_METHODS;
      expect(held.map(show).sort(), fn).toEqual(granted.includes(fn) ? grantedMethods.map((method) => `${MANAGE_CONNECTIONS} on ${connectionsArn(method)}`).sort() : []);
      const used = needsOf(fn).filter((need) => need.action.startsWith('execute-api:'));
      if (!granted.includes(fn)) {
        expect(used.map(show), fn).toEqual([]);
        continue;
      }
      for (const need of used) expect(need.resource, fn).toMatch(new RegExp(`^arn:aws:execute-api:${REGION}:${ACCOUNT}:${LIVE_API_ID}/${LIVE_STAGE}/(POST|DELETE)/@connections/[^/]+$`));
      // Each uses every method it holds: the notifier posts; the others post and close.
      const methods = [...new Set(used.map((need) => need.resource.split('/')[2]))].sort();
      expect(methods, fn).toEqual(fn === LIVE_PUSH ? ['POST'] : ['DELETE', 'POST']);
    }
  });

  it('traces every function with X-Ray: the two actions it needs on *, and nothing else on *', () => {
    for (const fn of FUNCTION_NAMES) {
      const onAnything = policies.get(fn)!.filter((grant) => grant.resource === '*' || grant.resource.endsWith(':*'));
      expect(onAnything.map(show).sort(), fn).toEqual(TRACING_GRANTS.map(show).sort());
    }
  });

  it('reads the platform secret only in functions whose route admits the platform', () => {
    const readers = FUNCTION_NAMES.filter((fn) => needsOf(fn).some((need) => need.action === 'secretsmanager:GetSecretValue' && need.resource === SECRET_ARN));
    const admitting = [...new Set(ROUTES.filter((route) => roleAdmitsPlatform(route.role)).map((route) => route.name))];
    expect(readers.sort()).toEqual(admitting.sort());
    for (const fn of FUNCTION_NAMES) {
      const onPlatformSecret = policies.get(fn)!.filter((grant) => grant.resource === SECRET_ARN);
      expect(onPlatformSecret, fn).toEqual(admitting.includes(fn) ? [{ action: 'secretsmanager:GetSecretValue', resource: SECRET_ARN }] : []);
    }
  });

  it('reads the webhook signing key only in the functions granted `webhookKey` (a first URL, a rotation, the sender), each of which did, and no other secret', () => {
    const granted = FUNCTION_NAMES.filter((fn) => declaredGrants().get(fn)?.webhookKey === true);
    expect(granted.sort()).toEqual(['rotate-webhook-secret', 'update-settings', SEND].sort());
    for (const fn of FUNCTION_NAMES) {
      const expected = granted.includes(fn) ? [`secretsmanager:GetSecretValue on ${WEBHOOK_KEY_ARN}`] : [];
      expect(needsOf(fn).filter((need) => need.resource === WEBHOOK_KEY_ARN).map(show), fn).toEqual(expected);
      expect(policies.get(fn)!.filter((grant) => grant.resource === WEBHOOK_KEY_ARN).map(show), fn).toEqual(expected);
      // The platform token's and this key are the only secrets, and only their values are read.
      for (const grant of policies.get(fn)!.filter((candidate) => candidate.action.startsWith('secretsmanager:'))) {
        expect(grant.action, fn).toBe('secretsmanager:GetSecretValue');
        expect([SECRET_ARN, WEBHOOK_KEY_ARN], fn).toContain(grant.resource);
      }
    }
  });

  it('writes avatars only under avatars/<the site of the request>/', () => {
    const writes = invocations.flatMap((done) =>
      done.calls.filter((recorded) => recorded.operation.startsWith('s3:')).map((recorded) => ({ done, recorded })),
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const { done, recorded } of writes) {
      expect(recorded.operation).toBe('s3:PutObject');
      expect(recorded.input.Bucket).toBe(BUCKET);
      expect(recorded.input.Key).toMatch(new RegExp(`^avatars/${done.params.siteId}/[^/]+$`));
    }
  });

  it('queries exactly the table or indexes each route declares, and the idempotency table only from the routes granted it (chat start, messages)', () => {
    const queried = (fn: string) =>
      needsOf(fn)
        .filter((need) => need.action === 'dynamodb:Query')
        .map((need) => need.resource.replace(tableArn(REGION, ACCOUNT, tableName), '').replace(/^\/index\//, '') || 'table')
        .sort();
    for (const route of [...ROUTES, ...SOCKET_ROUTES]) expect(queried(route.name), route.name).toEqual([...(route.grants.queries ?? [])].sort());
    for (const job of Object.values(JOBS)) expect(queried(job.name), job.name).toEqual([...new Set((job.grants as Grants).queries ?? [])].sort());
    for (const fn of FUNCTION_NAMES) {
      const onIdempotency = needsOf(fn).filter((need) => need.resource === tableArn(REGION, ACCOUNT, idempotencyTableName));
      expect(onIdempotency.length > 0, fn).toBe(ROUTES.some((route) => route.name === fn && route.grants.idempotency === true));
    }
    expect(ROUTES.filter((route) => route.grants.idempotency).map((route) => route.name).sort()).toEqual(['post-message', 'start-chat']);
  });
});
