/**
 * The single table of the service, defined once: the tests, the local stack and the CDK stack
 * all build it from this description.
 *
 * Items (pk / sk):
 * - site settings   SITE#<siteId> / SETTINGS
 * - operator        SITE#<siteId> / OP#<operatorId>
 * - chat            SITE#<siteId> / CHAT#<chatId>   (chatId sorts by creation time)
 * - visitor         SITE#<siteId> / VISITOR#<visitorId>   (its open chats, for the per-visitor limit)
 *
 * Indexes:
 * - queue:     the site's settings (sorted first) and its operators that are online and below
 *              capacity, in queue order (last assignment time, never-assigned first). One Query
 *              of the head of this index is all a chat start needs to read.
 * - liveness:  operators that are online or away, sharded, sorted by the time their heartbeat
 *              goes stale; the sweep reads only the stale ones.
 * - openChats: an operator's open chats, newest first.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: { readonly name: string; readonly type: 'S' | 'N' };
  readonly sortKey: { readonly name: string; readonly type: 'S' | 'N' };
  /** Non-key attributes copied into the index; all of them when absent. */
  readonly projectedAttributes?: readonly string[];
}

export const QUEUE_INDEX = {
  indexName: 'queue',
  partitionKey: { name: 'queuePk', type: 'S' },
  sortKey: { name: 'queueSk', type: 'S' },
  // Only what a chat start reads, so that the settings and ten operators fit in one read unit.
  projectedAttributes: [
    'siteId',
    'name',
    'allowedOrigins',
    'distribution',
    'defaultRegular',
    'defaultTarget',
    'allowVisitorChoice',
    'sharedAvatarUrl',
    'heartbeatTimeoutSeconds',
    'maxOpenChatsPerVisitor',
    'operatorId',
    'avatarUrl',
    'status',
    'maxChats',
    'activeChats',
    'lastAssignedAt',
    'heartbeatAtMs',
    'assigned',
    'turn',
    'incarnation',
  ],
} as const satisfies IndexDefinition;

export const LIVENESS_INDEX = {
  indexName: 'liveness',
  partitionKey: { name: 'liveShard', type: 'S' },
  sortKey: { name: 'staleAt', type: 'N' },
} as const satisfies IndexDefinition;

export const OPEN_CHATS_INDEX = {
  indexName: 'openChats',
  partitionKey: { name: 'openChatsPk', type: 'S' },
  sortKey: { name: 'createdAt', type: 'S' },
} as const satisfies IndexDefinition;

export const INDEXES: readonly IndexDefinition[] = [QUEUE_INDEX, LIVENESS_INDEX, OPEN_CHATS_INDEX];

/** DynamoDB actions on the main table that a function may be granted (a transaction needs the action of each part). */
export type TableAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/** What a Query reads: the base table, or one of its indexes. */
export type QueryTarget = 'table' | (typeof QUEUE_INDEX | typeof LIVENESS_INDEX | typeof OPEN_CHATS_INDEX)['indexName'];

/** Records that expire carry their expiry (epoch seconds) here. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Number of liveness-index partitions; the sweep queries each of them. */
export const LIVENESS_SHARDS = 4;

/** The CreateTable input for the table named `tableName` (on-demand billing). */
export function createTableInput(tableName: string) {
  const attributes = new Map<string, 'S' | 'N'>([
    [TABLE_KEYS.partitionKey, 'S'],
    [TABLE_KEYS.sortKey, 'S'],
  ]);
  for (const index of INDEXES) {
    attributes.set(index.partitionKey.name, index.partitionKey.type);
    attributes.set(index.sortKey.name, index.sortKey.type);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' as const },
    ],
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    GlobalSecondaryIndexes: INDEXES.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
      ],
      Projection: index.projectedAttributes
        ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.projectedAttributes] }
        : { ProjectionType: 'ALL' as const },
    })),
  };
}

/** Powertools Idempotency's table: its default layout, records expiring by TTL. */
export const IDEMPOTENCY_TABLE = { partitionKey: 'id', ttlAttribute: 'expiration' } as const;

export function createIdempotencyTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' as const }],
    AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: 'S' as const }],
  };
}
