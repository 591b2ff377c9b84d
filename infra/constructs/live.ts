import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { LogGroupLogDestination, type ThrottleSettings, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The WebSocket API's one stage: the pages connect to wss://<api id>.execute-api.<region>.amazonaws.com/live. */
export const LIVE_STAGE = 'live';

/**
 * What a function granted `live` does to the connections (lib/live/api-gateway-push.ts):
 * PostToConnection (POST) and DeleteConnection (DELETE); never GetConnection.
 */
export const LIVE_CONNECTION_METHODS = ['POST', 'DELETE'] as const;

export interface LiveProps {
  readonly logRetention: RetentionDays;
  /**
   * Whether the stage writes access logs. A WebSocket API (unlike the HTTP API) writes them
   * through the account's API Gateway CloudWatch Logs role, an account-wide setting this stack
   * leaves alone: without it the stage cannot be created ("CloudWatch Logs role ARN must be set
   * in account settings to enable logging"). On where the account has that role.
   */
  readonly accessLogs: boolean;
  /** The stage's throttle, for every route (connects and messages alike). */
  readonly throttle: ThrottleSettings;
}

/**
 * The WebSocket API the console and the widget listen on (README, "Live updates"), and its
 * auto-deployed stage. Its routes ($connect, $default, $disconnect: lib/live/socket-routes.ts)
 * are added by Api with their functions; the functions granted `live` post to and close its
 * connections through the stage's Management API endpoint.
 */
export class Live extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  /** The stage's access logs, when on. */
  readonly accessLogs?: LogGroup;

  constructor(scope: Construct, id: string, props: LiveProps) {
    super(scope, id);
    // Every message goes to $default: the protocol's messages carry `type`, never the route
    // selection expression's `action`.
    this.api = new WebSocketApi(this, 'SocketApi', { description: 'Chat distribution live updates (console and widget)' });
    if (props.accessLogs) {
      this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    }
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: LIVE_STAGE,
      autoDeploy: true,
      throttle: props.throttle,
      ...(this.accessLogs ? { accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs) } } : {}),
    });
  }

  /** Where the pages connect (LIVE_URL): wss://<api id>.execute-api.<region>.<suffix>/live. */
  get url(): string {
    return this.stage.url;
  }

  /** The origin of that URL (scheme and host), for the pages' CSP connect-src. */
  get origin(): string {
    const stack = Stack.of(this);
    return `wss://${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }

  /** The Management API endpoint of the stage (LIVE_MANAGEMENT_ENDPOINT): https://<api id>.execute-api.<region>.<suffix>/live. */
  get managementEndpoint(): string {
    return this.stage.callbackUrl;
  }

  /**
   * The ARNs execute-api:ManageConnections is granted on: this API's stage, the two methods the
   * functions use, any connection (connection ids are known at run time only).
   */
  connectionArns(methods: readonly (typeof LIVE_CONNECTION_METHODS)[number][] = LIVE_CONNECTION_METHODS): string[] {
    return methods.map((method) =>
      Stack.of(this).formatArn({
        service: 'execute-api',
        resource: this.api.apiId,
        resourceName: `${this.stage.stageName}/${method}/@connections/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
  }
}
