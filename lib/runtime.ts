import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localDeadlineQueue } from './deadlines/in-process-queue.js';
import { sqsDeadlineQueue } from './deadlines/sqs-queue.js';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { AvatarStore } from './avatars/avatar-store.js';
import { folderAvatarStore } from './avatars/folder-avatar-store.js';
import { s3AvatarStore } from './avatars/s3-avatar-store.js';
import { config, type Config } from './config.js';
import { hashToken } from './domain/ids.js';
import { systemDeps, type EngineDeps } from './engine/deps.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient, dynamoStore } from './store/dynamo-store.js';
import { IDEMPOTENCY_RECORD } from './store/entities/idempotency.js';

/** Everything a handler needs, built once per process from the configuration. */
export interface Runtime {
  config: Config;
  deps: EngineDeps;
  idempotencyStore: DynamoDBPersistenceLayer;
  avatars: AvatarStore;
  /** The hash of the platform token (from the environment locally, from Secrets Manager in AWS). */
  platformTokenHash(): Promise<string>;
}

function avatarStore(settings: Config): AvatarStore {
  if (settings.AVATAR_BUCKET) return s3AvatarStore(new S3Client({}), settings.AVATAR_BUCKET, settings.AVATAR_BASE_URL);
  if (settings.AVATAR_DIR) return folderAvatarStore(settings.AVATAR_DIR, settings.AVATAR_BASE_URL);
  return {
    save: () => Promise.reject(new Error('No avatar storage configured (AVATAR_BUCKET or AVATAR_DIR)')),
  };
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
  const localToken = settings.PLATFORM_TOKEN ? hashToken(settings.PLATFORM_TOKEN) : undefined;
  built = {
    config: settings,
    deps: systemDeps(
      dynamoStore(doc, settings.TABLE_NAME),
      settings.DEADLINE_QUEUE_URL ? sqsDeadlineQueue(new SQSClient({}), settings.DEADLINE_QUEUE_URL) : localDeadlineQueue(),
    ),
    idempotencyStore: new DynamoDBPersistenceLayer({
      tableName: settings.IDEMPOTENCY_TABLE_NAME,
      awsSdkV3Client: client,
      ...IDEMPOTENCY_RECORD,
    }),
    avatars: avatarStore(settings),
    async platformTokenHash() {
      if (localToken) return localToken;
      const secret = await getSecret(settings.PLATFORM_TOKEN_SECRET_ID as string, { maxAge: 300 });
      if (typeof secret !== 'string' || secret.length < 16) throw new Error('The platform token secret is empty');
      return hashToken(secret);
    },
  };
  return built;
}
