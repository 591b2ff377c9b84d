import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localDeadlineQueue } from './deadlines/in-process-queue.js';
import { sqsDeadlineQueue } from './deadlines/sqs-queue.js';
import { apiGatewayPush } from './live/api-gateway-push.js';
import { localSockets } from './live/local-push.js';
import type { LivePush } from './live/push.js';
import { localWebhookQueue } from './webhooks/in-process-queue.js';
import { systemResolve } from './webhooks/post.js';
import type { WebhookQueue } from './webhooks/queue.js';
import { sqsWebhookQueue } from './webhooks/sqs-queue.js';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { AvatarStore } from './avatars/avatar-store.js';
import { folderAvatarStore } from './avatars/folder-avatar-store.js';
import { s3AvatarStore } from './avatars/s3-avatar-store.js';
import { config, type Config } from './config.js';
import { hashToken } from './domain/ids.js';
import { systemDeps, type EngineDeps } from './engine/deps.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient, dynamoStore } from './store/dynamo-store.js';
import { ClaimingPersistenceLayer } from './http/idempotency-store.js';

/** Everything a handler needs, built once per process from the configuration. */
export interface Runtime {
  config: Config;
  deps: EngineDeps;
  /** Powertools' DynamoDB persistence layer, which lets a chat start complete its record in its claim. */
  idempotencyStore: ClaimingPersistenceLayer;
  avatars: AvatarStore;
  /** The hash of the platform token (from the environment locally, from Secrets Manager in AWS). */
  platformTokenHash(): Promise<string>;
  /** Where chat events wait for their webhook delivery. */
  webhooks: WebhookQueue;
  /** The live-push sockets. */
  live: LivePush;
  /** The key the sites' webhook signing secrets are derived from (the environment locally, Secrets Manager in AWS). */
  webhookKey(): Promise<string>;
}

function avatarStore(settings: Config): AvatarStore {
  if (settings.AVATAR_BUCKET) return s3AvatarStore(new S3Client({}), settings.AVATAR_BUCKET, settings.AVATAR_BASE_URL);
  if (settings.AVATAR_DIR) return folderAvatarStore(settings.AVATAR_DIR, settings.AVATAR_BASE_URL);
  return {
    save: () => Promise.reject(new Error('No avatar storage configured (AVATAR_BUCKET or AVATAR_DIR)')),
  };
}

let sqsClient: SQSClient | undefined;
const sqs = () => (sqsClient ??= new SQSClient({}));

let webhookKeyRead: Promise<string> | undefined;

async function readWebhookKey(settings: Config): Promise<string> {
  if (settings.WEBHOOK_SIGNING_KEY) return settings.WEBHOOK_SIGNING_KEY;
  if (!settings.WEBHOOK_SIGNING_KEY_SECRET_ID) throw new Error('No webhook signing key configured (WEBHOOK_SIGNING_KEY or WEBHOOK_SIGNING_KEY_SECRET_ID)');
  const key = await getSecret(settings.WEBHOOK_SIGNING_KEY_SECRET_ID, { maxAge: 300 });
  if (typeof key !== 'string' || key.length < 32) throw new Error('The webhook signing key secret is empty');
  return key;
}

let built: Runtime | undefined;

export function runtime(): Runtime {
  if (built) return built;
  const settings = config();
  const clientConfig = settings.DYNAMODB_ENDPOINT
    ? {
        endpoint: settings.DYNAMODB_ENDPOINT,
        region: process.env.AWS_REGION ?? 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {};
  const client = new DynamoDBClient(clientConfig);
  const doc = documentClient(client);
  const live = settings.LIVE_MANAGEMENT_ENDPOINT ? apiGatewayPush(settings.LIVE_MANAGEMENT_ENDPOINT) : localSockets();
  const localToken = settings.PLATFORM_TOKEN ? hashToken(settings.PLATFORM_TOKEN) : undefined;
  built = {
    config: settings,
    deps: systemDeps(
      dynamoStore(doc, settings.TABLE_NAME),
      settings.DEADLINE_QUEUE_URL ? sqsDeadlineQueue(sqs(), settings.DEADLINE_QUEUE_URL) : localDeadlineQueue(),
      { allowLocal: settings.LOCAL_WEBHOOKS === 'true', resolve: systemResolve },
      live,
    ),
    idempotencyStore: new ClaimingPersistenceLayer({ tableName: settings.IDEMPOTENCY_TABLE_NAME, awsSdkV3Client: client }),
    avatars: avatarStore(settings),
    async platformTokenHash() {
      if (localToken) return localToken;
      const secret = await getSecret(settings.PLATFORM_TOKEN_SECRET_ID as string, { maxAge: 300 });
      if (typeof secret !== 'string' || secret.length < 16) throw new Error('The platform token secret is empty');
      return hashToken(secret);
    },
    live,
    webhooks: settings.WEBHOOK_QUEUE_URL ? sqsWebhookQueue(sqs(), settings.WEBHOOK_QUEUE_URL) : localWebhookQueue(),
    webhookKey() {
      // One read for the deliveries of a batch side by side (the Parameters cache then holds it 5 minutes).
      webhookKeyRead ??= readWebhookKey(settings).finally(() => {
        webhookKeyRead = undefined;
      });
      return webhookKeyRead;
    },
  };
  return built;
}
