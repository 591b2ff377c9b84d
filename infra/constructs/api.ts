import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ALL_ROUTES, type RouteDefinition, type TableAction } from '../../lib/http/routes.js';
import { BUNDLING } from '../bundling.js';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What Powertools Idempotency does to its table. */
const IDEMPOTENCY_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'];

/** The sweep reads the liveness index and sets operators offline. */
export const SWEEP_TABLE_ACTIONS: readonly TableAction[] = ['Query', 'UpdateItem'];

export interface ApiProps {
  readonly table: TableV2;
  readonly idempotencyTable: TableV2;
  readonly platformSecret: ISecret;
  readonly assets: IBucket;
  /** Where the CDN serves uploaded avatars from. */
  readonly avatarBaseUrl: string;
  readonly logRetention: RetentionDays;
  readonly throttle: { rateLimit: number; burstLimit: number };
}

/** The Lambda functions (one per handler, each with only the grants it needs) and the HTTP API routes to them. */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly functions = new Map<string, NodejsFunction>();
  readonly sweep: NodejsFunction;

  constructor(scope: Construct, id: string, private readonly props: ApiProps) {
    super(scope, id);

    for (const route of ALL_ROUTES) {
      if (!this.functions.has(route.name)) this.functions.set(route.name, this.routeFunction(route));
    }
    this.sweep = this.handlerFunction('sweep-stale-operators');
    this.grantTable(this.sweep, SWEEP_TABLE_ACTIONS);

    this.httpApi = new HttpApi(this, 'HttpApi', { createDefaultStage: false, description: 'Chat distribution API' });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    for (const route of ALL_ROUTES) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.method}${route.path}`, this.functions.get(route.name)!),
      });
    }
  }

  private handlerFunction(name: string): NodejsFunction {
    const { props } = this;
    return new NodejsFunction(this, name, {
      entry: join(PROJECT_ROOT, 'functions', `${name}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(10),
      logGroup: new LogGroup(this, `${name}-logs`, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      bundling: { ...BUNDLING, externalModules: [...BUNDLING.externalModules] },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'chat-distribution',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        TABLE_NAME: props.table.tableName,
        IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.tableName,
        // The secret's id, not its value: only the functions granted read access can fetch it.
        PLATFORM_TOKEN_SECRET_ID: props.platformSecret.secretArn,
        AVATAR_BUCKET: props.assets.bucketName,
        AVATAR_BASE_URL: props.avatarBaseUrl,
      },
    });
  }

  private routeFunction(route: RouteDefinition): NodejsFunction {
    const fn = this.handlerFunction(route.name);
    this.grantTable(fn, route.table);
    if (route.role !== 'none' && route.role !== 'visitor') this.props.platformSecret.grantRead(fn);
    if (route.name === 'start-chat') {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: IDEMPOTENCY_ACTIONS.map((action) => `dynamodb:${action}`),
          resources: [this.props.idempotencyTable.tableArn],
        }),
      );
    }
    if (route.binaryBody) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.props.assets.arnForObjects('avatars/*')] }),
      );
    }
    return fn;
  }

  private grantTable(fn: NodejsFunction, actions: readonly TableAction[]) {
    if (actions.length === 0) return;
    const { tableArn } = this.props.table;
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: actions.includes('Query') ? [tableArn, `${tableArn}/index/*`] : [tableArn],
      }),
    );
  }
}
