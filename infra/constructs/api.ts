import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CfnStage, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { roleAdmitsPlatform } from '../../lib/domain/auth.js';
import { limitsOf } from '../../lib/function-limits.js';
import type { Endpoint, Grants } from '../../lib/http/route.js';
import { dispatchJob } from '../../lib/jobs/dispatch-waiting-chats.js';
import { deadlineJob } from '../../lib/jobs/handle-chat-deadlines.js';
import { webhookPublisherJob } from '../../lib/jobs/publish-webhook-events.js';
import { livePushJob } from '../../lib/jobs/push-live-events.js';
import { repairJob } from '../../lib/jobs/repair-waiting-chats.js';
import { webhookSenderJob } from '../../lib/jobs/send-webhooks.js';
import { sweepJob } from '../../lib/jobs/sweep-stale-operators.js';
import { SOCKET_ROUTES, type SocketRoute } from '../../lib/live/socket-routes.js';
import { SERVICE_NAME } from '../../lib/observability/metrics.js';
import { ENDPOINTS } from '../../lib/routes/index.js';
import { BUNDLING } from '../bundling.js';
import { LIVE_CONNECTION_METHODS, type Live } from './live.js';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What Powertools Idempotency does to its table. */
const IDEMPOTENCY_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'];

/** The one action on the webhook queue of each `webhooks` grant (a batch send is authorized as sqs:SendMessage). */
export const WEBHOOK_QUEUE_ACTIONS: Readonly<Record<NonNullable<Grants['webhooks']>, string>> = {
  publish: 'sqs:SendMessage',
  deliver: 'sqs:ChangeMessageVisibility',
};

/** The routes the widget calls from visitors' browsers (and their CORS preflights): throttled on their own. */
export const VISITOR_ROUTES: readonly Endpoint[] = ENDPOINTS.filter((route) => route.widget);

/** API Gateway's route key of a route, as the stage's route settings name it. */
export const routeKey = (route: Endpoint) => `${route.method} ${route.path}`;

export interface ApiProps {
  readonly table: TableV2;
  readonly idempotencyTable: TableV2;
  readonly platformSecret: ISecret;
  readonly assets: IBucket;
  /** Where the functions granted `deadlines` send them, and the deadline handler reads them from. */
  readonly deadlineQueue: IQueue;
  /** The webhook queue: the functions granted `webhooks` send events to it (`publish`) or delay a failed delivery's retry (`deliver`). */
  readonly webhookQueue: IQueue;
  /** The key the sites' webhook signing secrets are derived from: read by the functions granted `webhookKey`. */
  readonly webhookKey: ISecret;
  /** The WebSocket API: its routes are added here, the functions granted `live` manage its connections, the routes give its URL. */
  readonly live: Live;
  /** Where the CDN serves uploaded avatars from. */
  readonly avatarBaseUrl: string;
  /** The origin the pages and the API share (the CDN's): its pages may call the widget routes whatever a site's allowedOrigins. */
  readonly publicOrigin: string;
  readonly logRetention: RetentionDays;
  /** The stage's default throttle, for every route. */
  readonly throttle: ThrottleSettings;
  /** Each visitor route's own throttle (requests per second, burst), tighter than the stage's. */
  readonly visitorThrottle: ThrottleSettings;
}

/** A function that no route calls (Operations wires what invokes it): its handler and what it may do. */
export interface Job {
  readonly name: string;
  readonly grants: Grants;
}

/** The jobs' functions, each with its own grants; Operations schedules them or feeds them the stream or the deadline queue. */
export const JOBS = {
  sweep: sweepJob,
  dispatcher: dispatchJob,
  deadlines: deadlineJob,
  repair: repairJob,
  webhookPublisher: webhookPublisherJob,
  webhookSender: webhookSenderJob,
  livePush: livePushJob,
} as const satisfies Record<string, Job>;

/**
 * The Lambda functions (one per handler, each with only the grants it needs, its timeout and
 * memory from lib/function-limits.ts, traced by X-Ray), the HTTP API routes to them, the
 * WebSocket API's routes to theirs, and the functions of the jobs.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  /** The HTTP routes' functions by function name. */
  readonly functions = new Map<string, NodejsFunction>();
  /** The WebSocket routes' functions by function name ($connect, $default, $disconnect). */
  readonly sockets = new Map<string, NodejsFunction>();
  /** Sets offline the operators whose heartbeat went stale (every minute). */
  readonly sweep: NodejsFunction;
  /** Assigns waiting chats, on the table's stream. */
  readonly dispatcher: NodejsFunction;
  /** Expires overdue waiting chats and dispatches what an event missed (every minute). */
  readonly repair: NodejsFunction;
  /** Acts on the deadlines of the deadline queue (a group chat's fallback). */
  readonly deadlineHandler: NodejsFunction;
  /** Queues the webhook events of chat and message writes, on the table's stream. */
  readonly webhookPublisher: NodejsFunction;
  /** Delivers the webhook queue's events to the sites' receivers. */
  readonly webhookSender: NodejsFunction;
  /** Pushes chat and message events to the WebSocket connections concerned, on the table's stream. */
  readonly livePush: NodejsFunction;
  /** The jobs' functions by job name. */
  readonly jobs = new Map<string, NodejsFunction>();

  constructor(scope: Construct, id: string, private readonly props: ApiProps) {
    super(scope, id);

    for (const route of ENDPOINTS) {
      if (!this.functions.has(route.name)) this.functions.set(route.name, this.routeFunction(route));
    }
    // Each job's timeout and memory are its own (lib/function-limits.ts); the queues' visibility timeouts follow them.
    this.sweep = this.jobFunction(JOBS.sweep);
    this.dispatcher = this.jobFunction(JOBS.dispatcher);
    this.repair = this.jobFunction(JOBS.repair);
    this.deadlineHandler = this.jobFunction(JOBS.deadlines);
    this.webhookPublisher = this.jobFunction(JOBS.webhookPublisher);
    this.webhookSender = this.jobFunction(JOBS.webhookSender);
    this.livePush = this.jobFunction(JOBS.livePush);

    // The WebSocket API's routes, each to its own function, granted as the route declares.
    for (const route of SOCKET_ROUTES) {
      const fn = this.socketFunction(route);
      props.live.api.addRoute(route.routeKey, { integration: new WebSocketLambdaIntegration(route.name, fn) });
    }

    this.httpApi = new HttpApi(this, 'HttpApi', { createDefaultStage: false, description: 'Chat distribution API' });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    const cfnStage = stage.node.defaultChild as CfnStage;
    const routeSettings: Record<string, { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }> = {};
    for (const route of ENDPOINTS) {
      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.method}${route.path}`, this.functions.get(route.name)!),
      });
      if (!VISITOR_ROUTES.includes(route)) continue;
      routeSettings[routeKey(route)] = {
        ThrottlingRateLimit: props.visitorThrottle.rateLimit,
        ThrottlingBurstLimit: props.visitorThrottle.burstLimit,
      };
      // Route settings name existing routes: the stage is deployed after them.
      cfnStage.node.addDependency(httpRoute!);
    }
    cfnStage.routeSettings = routeSettings;
  }

  /** Every function: the HTTP routes', the WebSocket routes' and the jobs', by function name. */
  all(): Map<string, NodejsFunction> {
    return new Map([...this.functions, ...this.sockets, ...this.jobs]);
  }

  private handlerFunction(name: string): NodejsFunction {
    const { props } = this;
    // The same limits the local server runs the handler under.
    const limits = limitsOf(name);
    return new NodejsFunction(this, name, {
      entry: join(PROJECT_ROOT, 'functions', `${name}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: limits.memoryMb,
      timeout: Duration.seconds(limits.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(this, `${name}-logs`, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      bundling: { ...BUNDLING, externalModules: [...BUNDLING.externalModules] },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        // The service dimension of the metrics (lib/observability/metrics.ts) and the logs' service.
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        TABLE_NAME: props.table.tableName,
        IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.tableName,
        // The secret's id, not its value: only the functions granted read access can fetch it.
        PLATFORM_TOKEN_SECRET_ID: props.platformSecret.secretArn,
        AVATAR_BUCKET: props.assets.bucketName,
        AVATAR_BASE_URL: props.avatarBaseUrl,
        PUBLIC_ORIGIN: props.publicOrigin,
      },
    });
  }

  private routeFunction(route: Endpoint): NodejsFunction {
    const fn = this.handlerFunction(route.name);
    this.grant(fn, route.name, route.grants);
    // Where the pages connect for live updates (the widget and /v1/me give it); any route may tell it.
    fn.addEnvironment('LIVE_URL', this.props.live.url);
    // Only the routes that admit the platform compare a token with it; they only read its value.
    if (roleAdmitsPlatform(route.role)) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.props.platformSecret.secretArn] }),
      );
    }
    return fn;
  }

  private socketFunction(route: SocketRoute): NodejsFunction {
    const fn = this.handlerFunction(route.name);
    this.grant(fn, route.name, route.grants);
    this.sockets.set(route.name, fn);
    return fn;
  }

  private jobFunction(job: Job): NodejsFunction {
    const fn = this.handlerFunction(job.name);
    this.grant(fn, job.name, job.grants);
    this.jobs.set(job.name, fn);
    return fn;
  }

  /** What the route or job declares it sends (see Grants), and nothing else. */
  private grant(fn: NodejsFunction, name: string, grants: Grants) {
    this.grantTable(fn, name, grants);
    if (grants.idempotency) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: IDEMPOTENCY_ACTIONS.map((action) => `dynamodb:${action}`),
          resources: [this.props.idempotencyTable.tableArn],
        }),
      );
    }
    if (grants.avatars) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.props.assets.arnForObjects('avatars/*')] }),
      );
    }
    if (grants.deadlines) {
      // SendMessage only (not grantSendMessages, which adds GetQueueAttributes and GetQueueUrl):
      // the function is given the queue's URL. The queue is SQS-managed encrypted: no KMS key to use.
      const { deadlineQueue } = this.props;
      fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadlineQueue.queueArn] }));
      fn.addEnvironment('DEADLINE_QUEUE_URL', deadlineQueue.queueUrl);
    }
    if (grants.webhooks) {
      // The publisher sends (SendMessageBatch needs sqs:SendMessage); the sender only changes a
      // received event's visibility (its backoff): receiving and deleting are its event source's.
      const { webhookQueue } = this.props;
      fn.addToRolePolicy(new PolicyStatement({ actions: [WEBHOOK_QUEUE_ACTIONS[grants.webhooks]], resources: [webhookQueue.queueArn] }));
      fn.addEnvironment('WEBHOOK_QUEUE_URL', webhookQueue.queueUrl);
    }
    if (grants.webhookKey) {
      // Its value only (not grantRead, which adds DescribeSecret), by its ARN: no other secret.
      const { webhookKey } = this.props;
      fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [webhookKey.secretArn] }));
      fn.addEnvironment('WEBHOOK_SIGNING_KEY_SECRET_ID', webhookKey.secretArn);
    }
    if (grants.live) {
      // PostToConnection (and for `manage` DeleteConnection) on this API's stage only (not
      // grantManageConnections, which allows every stage and method), through the stage's Management API endpoint.
      const { live } = this.props;
      const methods = grants.live === 'post' ? (['POST'] as const) : LIVE_CONNECTION_METHODS;
      fn.addToRolePolicy(new PolicyStatement({ actions: ['execute-api:ManageConnections'], resources: live.connectionArns(methods) }));
      fn.addEnvironment('LIVE_MANAGEMENT_ENDPOINT', live.managementEndpoint);
    }
  }

  /** The item actions on the table, and Query on exactly the table or indexes the function queries. */
  private grantTable(fn: NodejsFunction, name: string, { table: actions, queries = [] }: Grants) {
    if (actions.includes('Query') !== queries.length > 0) {
      throw new Error(`${name}: list what it queries (queries) exactly when its table actions include Query`);
    }
    const { tableArn } = this.props.table;
    const itemActions = actions.filter((action) => action !== 'Query');
    if (itemActions.length > 0) {
      fn.addToRolePolicy(new PolicyStatement({ actions: itemActions.map((action) => `dynamodb:${action}`), resources: [tableArn] }));
    }
    if (queries.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [...new Set(queries)].map((target) => (target === 'table' ? tableArn : `${tableArn}/index/${target}`)),
        }),
      );
    }
  }
}
