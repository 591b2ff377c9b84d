import type { TestProject } from 'vitest/node';
import { ensureTable, startDynamoDbLocal } from '../infra/local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    tableName: string;
    idempotencyTableName: string;
  }
}

/** One in-memory DynamoDB Local for the whole run, on a free port; each test file uses its own sites. */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamo = await startDynamoDbLocal();
  const tableName = 'chat-distribution-test';
  const idempotencyTableName = 'chat-distribution-test-idempotency';
  // Shared by the test files; nothing dispatches from it (dispatcher tests use tables of their own).
  await ensureTable(dynamo.endpoint, tableName, idempotencyTableName, { stream: false });
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('tableName', tableName);
  project.provide('idempotencyTableName', idempotencyTableName);
  return () => dynamo.stop();
}
