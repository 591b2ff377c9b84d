import { GetCommand, QueryCommand, UpdateCommand, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ContentionError } from '../../domain/errors.js';
import type { Chat, Message } from '../../domain/model.js';
import { awaitingAnswer, chatKey, DEFAULT_KEEP_SECONDS, expiryOnEnd, followUpsPk, newChatItem, openChatsPk } from '../entities/chat.js';
import { messageItem } from '../entities/message.js';
import { answerDueAtMs } from '../../domain/settings.js';
import { CLOSES, CLOSES_KEPT_SECONDS, closesKey, HOUR_MS } from '../entities/closes.js';
import { sitePk } from '../entities/site.js';
import { lastAssignmentFromItem, visitorKey } from '../entities/visitor.js';
import { operatorFromItem } from '../entities/operator.js';
import { allWaitShards, WAIT_SK_PREFIX, waitingFromItem, waitingItem, waitKey } from '../entities/waiting.js';
import { assignmentWeight, MAX_BATCH_WEIGHT, type AssignWaitingInput, type AssignWaitingOutcome, type ChatRecord, type WaitingEntry } from '../port.js';
import { LIVENESS_INDEX, TTL_ATTRIBUTE } from '../table.js';
import { CAPACITY, queryPages, transact, type DynamoContext } from './context.js';
import { afterClaim, operatorClaim, visitorCount } from './chats.js';
import { conditionally } from './operators.js';
import { counterUpdates, type ChatChange } from './stat-counters.js';

export const entryOf = (chat: Chat, escalated: boolean): WaitingEntry => ({
  siteId: chat.siteId,
  chatId: chat.id,
  visitorId: chat.visitorId,
  group: chat.group,
  createdAt: chat.createdAt,
  escalated: escalated && chat.group !== null,
  missedBy: chat.missedBy,
});

/** The chat, its queue entry and the visitor's count of open chats (a waiting chat is open) together. */
export async function recordWaitingChat(
  ctx: DynamoContext,
  chat: Chat,
  chatTokenHash: string,
  visitorLimit: number | null,
  escalated = false,
  firstMessage?: Message,
  keepSeconds = DEFAULT_KEEP_SECONDS,
): Promise<'recorded' | 'visitor-limit'> {
  const outcome = await transact(ctx, [
    visitorCount(ctx, chat, 1, visitorLimit),
    { Put: { TableName: ctx.tableName, Item: newChatItem(chat, chatTokenHash, null, null, firstMessage ? 1 : 0, keepSeconds), ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: ctx.tableName, Item: waitingItem(entryOf(chat, escalated)) } },
    ...(firstMessage ? [{ Put: { TableName: ctx.tableName, Item: messageItem(firstMessage, keepSeconds) } }] : []),
  ]);
  if (outcome.written) return 'recorded';
  if (outcome.failedAt === 0) return 'visitor-limit';
  // Chat ids are fresh random values, so only a conflict on the visitor's item gets here.
  throw new ContentionError();
}

/** The site's waiting entries (up to a chat), oldest first, read consistently from the table. */
function waitingQuery(siteId: string, upToChatId?: string) {
  return {
    KeyConditionExpression: upToChatId ? 'pk = :pk AND sk BETWEEN :first AND :last' : 'pk = :pk AND begins_with(sk, :first)',
    ExpressionAttributeValues: {
      ':pk': sitePk(siteId),
      ':first': WAIT_SK_PREFIX,
      ...(upToChatId ? { ':last': `${WAIT_SK_PREFIX}${upToChatId}` } : {}),
    },
    ConsistentRead: true,
  } satisfies Omit<QueryCommandInput, 'TableName'>;
}

export async function readWaiting(ctx: DynamoContext, siteId: string, limit: number, afterChatId?: string): Promise<WaitingEntry[]> {
  const page = await ctx.doc.send(
    new QueryCommand({
      ...waitingQuery(siteId),
      TableName: ctx.tableName,
      Limit: limit,
      ...(afterChatId ? { ExclusiveStartKey: waitKey(siteId, afterChatId) } : {}),
      ...CAPACITY,
    }),
  );
  return (page.Items ?? []).map(waitingFromItem);
}

export async function listWaiting(ctx: DynamoContext, siteId: string): Promise<WaitingEntry[]> {
  const entries: WaitingEntry[] = [];
  for await (const page of queryPages(ctx, waitingQuery(siteId))) entries.push(...(page.Items ?? []).map(waitingFromItem));
  return entries;
}

/** Counts entries (keys only) up to `upToChatId` and at most `limit` of them. */
async function countEntries(ctx: DynamoContext, siteId: string, options: { upToChatId?: string; limit?: number }): Promise<number> {
  let count = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await ctx.doc.send(
      new QueryCommand({
        ...waitingQuery(siteId, options.upToChatId),
        TableName: ctx.tableName,
        ...CAPACITY,
        Select: 'COUNT',
        ...(options.limit !== undefined ? { Limit: options.limit - count } : {}),
        ExclusiveStartKey: cursor,
      }),
    );
    count += page.Count ?? 0;
    cursor = page.LastEvaluatedKey;
  } while (cursor && (options.limit === undefined || count < options.limit));
  return count;
}

export const countWaiting = (ctx: DynamoContext, siteId: string, upTo: number) => countEntries(ctx, siteId, { limit: upTo });

export const waitingPosition = (ctx: DynamoContext, siteId: string, chatId: string) => countEntries(ctx, siteId, { upToChatId: chatId });

/** Items per assignment in the transaction: the operator, the chat, the queue entry, the visitor's last assignment (then its group copies). */
const ITEMS_PER_ASSIGNMENT = 4;

function assignmentItems(ctx: DynamoContext, input: AssignWaitingInput, own: ReturnType<typeof operatorClaim>['own']) {
  const { operator, entry, nowMs, assignedBy } = input;
  const awaiting = awaitingAnswer(entry.siteId, answerDueAtMs(input.settings, nowMs));
  return [
    own,
    {
      Update: {
        TableName: ctx.tableName,
        Key: chatKey(entry.siteId, entry.chatId),
        UpdateExpression: `SET #status = :assigned, operatorId = :operatorId, assignedBy = :assignedBy, assignedAt = :now, operatorIncarnation = :incarnation, openChatsPk = :openChatsPk${
          'liveShard' in awaiting ? ', liveShard = :answerShard, staleAt = :answerDueAt' : ''
        }`,
        ConditionExpression: '#status = :waiting',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':assigned': 'assigned',
          ':waiting': 'waiting',
          ':operatorId': operator.id,
          ':assignedBy': assignedBy,
          ':now': new Date(nowMs).toISOString(),
          ':incarnation': operator.incarnation,
          ':openChatsPk': openChatsPk(entry.siteId, operator.id, operator.incarnation),
          ...('liveShard' in awaiting ? { ':answerShard': awaiting.liveShard, ':answerDueAt': awaiting.staleAt } : {}),
        },
      },
    },
    { Delete: { TableName: ctx.tableName, Key: waitKey(entry.siteId, entry.chatId), ConditionExpression: 'attribute_exists(pk)' } },
    // Its count of open chats already holds the waiting chat.
    visitorCount(ctx, { siteId: entry.siteId, visitorId: entry.visitorId } as Chat, 0, null, { operatorId: operator.id, nowMs }),
  ];
}

/** What an assignment changes in the counters: the waiting chat (its misses counted already) gets its operator. */
function assignedChange({ entry, operator, assignedBy, nowMs }: AssignWaitingInput): ChatChange {
  const waiting = { createdAt: entry.createdAt, missedBy: entry.missedBy, status: 'waiting', operatorId: null, assignedBy: null, assignedAt: null } as const;
  return {
    chatId: entry.chatId,
    before: waiting,
    after: { ...waiting, status: 'assigned', operatorId: operator.id, assignedBy, assignedAt: new Date(nowMs).toISOString() },
  };
}

/**
 * Each assignment is the operator's claim, the chat from waiting to assigned (only if it still
 * waits) and its entry deleted; a batch goes in one transaction, so two dispatchers racing for a
 * chat or a slot cannot both win, and a batch is never half done (an older chat left waiting
 * while a younger one of the same batch got its operator).
 */
export async function assignWaiting(ctx: DynamoContext, batch: readonly AssignWaitingInput[]): Promise<AssignWaitingOutcome> {
  const weight = batch.reduce((sum, input) => sum + assignmentWeight(input), 0);
  if (batch.length === 0 || weight > MAX_BATCH_WEIGHT) throw new RangeError(`a batch of ${batch.length} assignments, ${weight} items`);
  const claims = batch.map((input) => operatorClaim(ctx, input));
  const outcome = await transact(ctx, [
    ...batch.flatMap((input, index) => assignmentItems(ctx, input, claims[index]!.own)),
    // The copies last, so that a failed condition's index tells the assignment; theirs never fail (see operatorWriteItems).
    ...claims.flatMap((claimed) => claimed.copies),
    ...counterUpdates(ctx, batch[0]!.entry.siteId, batch.map(assignedChange)),
  ]);
  if (!outcome.written) {
    if (outcome.failedAt < 0 || outcome.failedAt >= batch.length * ITEMS_PER_ASSIGNMENT) return { kind: 'conflict' };
    const input = batch[Math.floor(outcome.failedAt / ITEMS_PER_ASSIGNMENT)]!;
    // The operator's condition, or the chat's or entry's (the visitor's update has none).
    if (outcome.failedAt % ITEMS_PER_ASSIGNMENT !== 0) return { kind: 'chat-gone' };
    return { kind: 'operator-lost', operatorId: input.operator.id, current: outcome.failedItem ? operatorFromItem(outcome.failedItem) : null };
  }
  await Promise.all(batch.map((input) => afterClaim(ctx, input.operator, input.guard)));
  return { kind: 'assigned' };
}

/**
 * Takes a chat out of the waiting queue as `status` (closed by its visitor, or unassigned after
 * waiting too long), giving the visitor its count back. False when it no longer waits.
 */
export async function leaveWaiting(ctx: DynamoContext, record: ChatRecord, status: 'closed' | 'unassigned', at: string): Promise<boolean> {
  const { chat } = record;
  const expiry = expiryOnEnd(at);
  const outcome = await transact(ctx, [
    {
      Update: {
        TableName: ctx.tableName,
        Key: chatKey(chat.siteId, chat.id),
        UpdateExpression:
          status === 'closed'
            ? `SET #status = :status, closedAt = :at, ${expiry.set} REMOVE countsForVisitor`
            : `SET #status = :status, openChatsPk = :followUps, ${expiry.set} REMOVE countsForVisitor`,
        ConditionExpression: '#status = :waiting',
        ExpressionAttributeNames: { '#status': 'status', ...expiry.names },
        ExpressionAttributeValues: {
          ...expiry.values,
          ':status': status,
          ':waiting': 'waiting',
          ...(status === 'closed' ? { ':at': at } : { ':followUps': followUpsPk(chat.siteId) }),
        },
      },
    },
    { Delete: { TableName: ctx.tableName, Key: waitKey(chat.siteId, chat.id) } },
    ...(record.countsForVisitor ? [visitorCount(ctx, chat, -1, null)] : []),
    ...counterUpdates(ctx, chat.siteId, [{ chatId: chat.id, before: chat, after: { ...chat, status } }]),
  ]);
  // Not waiting any more, or another transaction was on one of its items: the caller re-reads.
  return outcome.written;
}

export const expireWaiting = (ctx: DynamoContext, record: ChatRecord, nowMs: number) =>
  leaveWaiting(ctx, record, 'unassigned', new Date(nowMs).toISOString());

/** Every site's waiting chats, from the waiting shards of the liveness index. */
export async function listAllWaiting(ctx: DynamoContext): Promise<WaitingEntry[]> {
  const entries: WaitingEntry[] = [];
  for (const shard of allWaitShards()) {
    const shardPages = queryPages(ctx, {
      IndexName: LIVENESS_INDEX.indexName,
      KeyConditionExpression: 'liveShard = :shard',
      ExpressionAttributeValues: { ':shard': shard },
    });
    for await (const page of shardPages) entries.push(...(page.Items ?? []).map(waitingFromItem));
  }
  return entries;
}

export async function lastAssignment(ctx: DynamoContext, siteId: string, visitorId: string) {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: visitorKey(siteId, visitorId), ProjectionExpression: 'lastOperatorId, lastAssignedAt', ...CAPACITY }),
  );
  return lastAssignmentFromItem(Item);
}

export async function countClose(ctx: DynamoContext, siteId: string, nowMs: number): Promise<void> {
  const hourStart = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  await conditionally(() =>
    ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: closesKey(siteId, hourStart),
        UpdateExpression: 'SET #type = :type, #ttl = :ttl ADD closes :one',
        ExpressionAttributeNames: { '#type': 'type', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':type': CLOSES.type, ':ttl': Math.floor((hourStart + HOUR_MS) / 1000) + CLOSES_KEPT_SECONDS, ':one': 1 },
        ...CAPACITY,
      }),
    ),
  );
}

/** One Query of the site's two latest hour buckets (keys sort by hour). */
export async function recentCloses(ctx: DynamoContext, siteId: string, nowMs: number): Promise<number> {
  const hourStart = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const page = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :previous AND :current',
      ExpressionAttributeValues: {
        ':pk': sitePk(siteId),
        ':previous': closesKey(siteId, hourStart - HOUR_MS).sk,
        ':current': closesKey(siteId, hourStart).sk,
      },
      ProjectionExpression: 'closes',
      ...CAPACITY,
    }),
  );
  return (page.Items ?? []).reduce((sum, item) => sum + Number(item.closes ?? 0), 0);
}
