import { STAT_COUNTER } from './entities/stat-counter.js';
import type { EntityDefinition, IndexName } from './entities/attributes.js';
import { CHAT } from './entities/chat.js';
import { CLOSES } from './entities/closes.js';
import { RANDOM_SLOT } from './entities/random-slot.js';
import { GROUP, MEMBER } from './entities/group.js';
import { MESSAGE } from './entities/message.js';
import { IDEMPOTENCY_TABLE } from './entities/idempotency.js';
import { OPERATOR } from './entities/operator.js';
import { SITE } from './entities/site.js';
import { TOKEN } from './entities/token.js';
import { VISITOR } from './entities/visitor.js';
import { WAITING } from './entities/waiting.js';
import { WEBHOOK_DELIVERY } from './entities/webhook-delivery.js';
import { LIVE_CONNECTION, LIVE_SUBSCRIPTION } from './entities/live.js';

export { IDEMPOTENCY_TABLE };

/**
 * The single table of the service, defined once: the tests, the local stack and the CDK stack
 * all build it from this description. Each kind of item is defined in lib/store/entities/
 * (its keys, attributes, defaults, mapping to the domain and what it projects into each index):
 *
 * - site settings   SITE#<siteId> / SETTINGS                (entities/site.ts)
 * - operator        SITE#<siteId> / OP#<operatorId>          (entities/operator.ts)
 * - chat            SITE#<siteId> / CHAT#<chatId>            (entities/chat.ts; chatId sorts by creation time)
 * - visitor         SITE#<siteId> / VISITOR#<visitorId>      (entities/visitor.ts: its open chats, for the per-visitor limit)
 * - waiting chat    SITE#<siteId> / WAIT#<chatId>            (entities/waiting.ts: its place in the site's waiting queue)
 * - closes per hour SITE#<siteId> / CLOSES#<hour>            (entities/closes.ts: for the estimated wait)
 * - group           SITE#<siteId> / GROUP#<groupId>          (entities/group.ts: a department)
 * - member copy     SITE#<siteId> / GM#<groupId>#<operatorId> (entities/group.ts: an operator in its group's partition)
 * - token           TOKEN#<tokenHash> / TOKEN                (entities/token.ts)
 * - message         SITE#<siteId> / MSG#<chatId>#<messageId> (entities/message.ts)
 * - webhook delivery SITE#<siteId> / HOOK#<occurredAt>#<eventId> (entities/webhook-delivery.ts: the latest attempt, kept a week)
 * - live connection  LIVE#<connectionId> / CONN, and its subscription LIVEON#<siteId> / <watch>#<connectionId> (entities/live.ts)
 * - stat counters   STATS#<siteId> / <UTC day>#<operatorId>  (entities/stat-counter.ts: the statistics, per day and operator)
 * - random slot     SITE#<siteId> / RSLOT#<n>                (entities/random-slot.ts: the online operators, numbered, for random mode)
 *
 * Indexes:
 * - queue:     the site's settings (sorted first), its waiting chats (oldest first), then its
 *              operators that are online and below capacity, in queue order (last assignment
 *              time, never-assigned first). One Query of the head of this index is all a chat
 *              start needs to read.
 * - load:      the same items in load order (fewest open chats first), for least-busy mode.
 *   Each group has a partition of its own in both: the group item (with the settings), its
 *   waiting chats and the copies of its operators, in the same orders.
 * - liveness:  operators that are online or away, sharded, sorted by the time their next
 *              liveness check is due (the sweep reads only the checks whose message was lost;
 *              see store/dynamo/liveness.ts); and, in shards of their own,
 *              the waiting chats by creation time (the periodic repair reads them).
 *
 * The table's stream (new and old images) feeds the dispatcher of waiting chats.
 * - openChats: an operator's open chats, newest first.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** Every kind of item in the table; each index projects what these declare for it. */
const ENTITIES: readonly EntityDefinition[] = [SITE, OPERATOR, CHAT, TOKEN, VISITOR, WAITING, CLOSES, GROUP, MEMBER, MESSAGE, WEBHOOK_DELIVERY, LIVE_CONNECTION, LIVE_SUBSCRIPTION, STAT_COUNTER, RANDOM_SLOT];

export interface IndexDefinition {
  readonly indexName: IndexName;
  readonly partitionKey: { readonly name: string; readonly type: 'S' | 'N' };
  readonly sortKey: { readonly name: string; readonly type: 'S' | 'N' };
  /** Non-key attributes copied into the index; all of them when absent. */
  readonly projectedAttributes?: readonly string[];
}

/**
 * The non-key attributes the entities project into the index, in the order of ENTITIES and of
 * their declarations (the deployed order: another order changes the index in the template), or
 * undefined when one of them projects whole items.
 */
function projectionOf(indexName: IndexName): readonly string[] | undefined {
  const declared = ENTITIES.map((entity) => entity.indexes[indexName]).filter((projection) => projection !== undefined);
  if (declared.includes('all')) return undefined;
  return [...new Set(declared.flatMap((projection) => (projection === 'all' ? [] : projection)))];
}

function includedAttributes(indexName: IndexName): readonly string[] {
  const attributes = projectionOf(indexName);
  if (!attributes) throw new Error(`the ${indexName} index projects only named attributes`);
  return attributes;
}

export const QUEUE_INDEX = {
  indexName: 'queue',
  partitionKey: { name: 'queuePk', type: 'S' },
  sortKey: { name: 'queueSk', type: 'S' },
  // Only what a chat start reads (the settings and the operators, as the entities declare them),
  // so that the settings and ten operators fit in one read unit.
  projectedAttributes: includedAttributes('queue'),
} as const satisfies IndexDefinition;

/**
 * The same items as the queue index, in load order: `loadKey` is the operator's open chats
 * × LOAD_UNIT + its last assignment in ms (0 before the first), kept by arithmetic in the very
 * writes that move the count, so no write needs to know the count; the settings sort first
 * (-2), then the waiting chats (-1). What least-busy mode reads.
 */
export const LOAD_INDEX = {
  indexName: 'load',
  partitionKey: { name: 'queuePk', type: 'S' },
  sortKey: { name: 'loadKey', type: 'N' },
  projectedAttributes: includedAttributes('load'),
} as const satisfies IndexDefinition;

export const LIVENESS_INDEX = {
  indexName: 'liveness',
  partitionKey: { name: 'liveShard', type: 'S' },
  sortKey: { name: 'staleAt', type: 'N' },
  projectedAttributes: projectionOf('liveness'),
} as const satisfies IndexDefinition;

export const OPEN_CHATS_INDEX = {
  indexName: 'openChats',
  partitionKey: { name: 'openChatsPk', type: 'S' },
  sortKey: { name: 'createdAt', type: 'S' },
  projectedAttributes: projectionOf('openChats'),
} as const satisfies IndexDefinition;

export const INDEXES: readonly IndexDefinition[] = [QUEUE_INDEX, LIVENESS_INDEX, OPEN_CHATS_INDEX, LOAD_INDEX];

/** DynamoDB actions on the main table that a function may be granted (a transaction needs the action of each part). */
export type TableAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/** What a Query reads: the base table, or one of its indexes. */
export type QueryTarget = 'table' | IndexName;

/** The table's stream: the dispatcher reads the new image, the old one is there for live push. */
export const TABLE_STREAM = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;

export { TTL_ATTRIBUTE } from './entities/ttl.js';

/**
 * The CreateTable input for the table named `tableName` (on-demand billing). `stream: false`
 * only for test tables nothing dispatches from: DynamoDB Local writes stream records in the
 * write itself, which slows bulk set-ups down by about half.
 */
export function createTableInput(tableName: string, options: { stream?: boolean } = {}) {
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
    ...(options.stream === false ? {} : { StreamSpecification: TABLE_STREAM }),
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

/** Powertools Idempotency's table (entities/idempotency.ts), records expiring by TTL. */
export function createIdempotencyTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' as const }],
    AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: 'S' as const }],
  };
}
