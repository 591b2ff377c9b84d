import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { heartbeatCutoffMs } from '../../domain/availability.js';
import type { ClaimGuard } from '../../domain/distribution/index.js';
import type { Chat, Message, Operator } from '../../domain/model.js';
import { messageItem } from '../entities/message.js';
import { AWAITING_ANSWER_ATTRIBUTES, CHAT_SK_PREFIX, chatFromItem, chatKey, chatRecordFromItem, DEFAULT_KEEP_SECONDS, expiryOnEnd, keepSecondsOf, newChatItem, openChatsPk } from '../entities/chat.js';
import { answerDueAtMs } from '../../domain/settings.js';
import { beatLaterThan, LOAD_UNIT, operatorFromItem, operatorKey, operatorQueueSk } from '../entities/operator.js';
import { queuePk, sitePk } from '../entities/site.js';
import { lastAssignmentUpdate, VISITOR, visitorKey, type VisitorAssignment } from '../entities/visitor.js';
import type { ChatRecord, ClaimInput, ClaimOutcome } from '../port.js';
import { OPEN_CHATS_INDEX } from '../table.js';
import { ContentionError } from '../../domain/errors.js';
import { CAPACITY, transact, type DynamoContext, type TransactItem } from './context.js';
import { OperatorUpdate, operatorWriteItems, writeOperator } from './operator-write.js';
import { conditionally, getOperator } from './operators.js';
import { countClose, leaveWaiting } from './waiting.js';
import { counterUpdates } from './stat-counters.js';

/** The operator is the same record (items written before incarnations existed have none). */
export const sameIncarnation = (incarnation: string | null) =>
  incarnation ? 'incarnation = :incarnation' : 'attribute_not_exists(incarnation)';

/** The visitor may open one more chat: it has fewer than `limit` open (no item yet: none). */
function visitorBelowLimit(limit: number) {
  return {
    ConditionExpression: 'attribute_not_exists(openChats) OR openChats < :limit',
    ExpressionAttributeValues: { ':limit': limit },
  };
}

/**
 * Moves the visitor's count of open chats by `delta` (held to `limit` when it grows), and, for a
 * chat given to an operator, records that operator as the visitor's last (returning visitors).
 */
export function visitorCount(ctx: DynamoContext, chat: Chat, delta: 1 | -1 | 0, limit: number | null, assignment?: VisitorAssignment) {
  const guard = delta > 0 && limit !== null ? visitorBelowLimit(limit) : undefined;
  const last = assignment ? lastAssignmentUpdate(assignment) : undefined;
  return {
    Update: {
      TableName: ctx.tableName,
      Key: visitorKey(chat.siteId, chat.visitorId),
      UpdateExpression: `SET #type = :type${last ? `, ${last.set}` : ''}${delta !== 0 ? ' ADD openChats :delta' : ''}`,
      ExpressionAttributeNames: { '#type': 'type', ...last?.names },
      ...(guard ? { ConditionExpression: guard.ConditionExpression } : {}),
      ExpressionAttributeValues: { ':type': VISITOR.type, ...(delta !== 0 ? { ':delta': delta } : {}), ...guard?.ExpressionAttributeValues, ...last?.values },
    },
  };
}

/**
 * The operator's side of a claim (and its group copies'). The update is conditional on it still
 * being available when the write lands (online, live heartbeat, below its limit) and on what the
 * mode's guard pinned as read: its `turn` (which the claim moves on by one, so two requests can
 * never take the same turn) and/or its count of open chats. A heartbeat does not touch any
 * attribute in the condition, so it never makes a claim fail. It clears `freedAtMs`: a claim
 * frees nothing, so its stream record wakes no dispatcher.
 */
export function operatorClaim(ctx: DynamoContext, input: Pick<ClaimInput, 'operator' | 'settings' | 'guard' | 'nowMs'>) {
  const { operator, settings, nowMs, guard } = input;
  const now = new Date(nowMs).toISOString();
  const conditionValues: Record<string, unknown> = {
    ':online': 'online',
    ':cutoff': heartbeatCutoffMs(settings, nowMs),
    ...(operator.incarnation ? { ':incarnation': operator.incarnation } : {}),
  };
  // The incarnation keeps a claim from landing on a re-created operator of the same id.
  let condition =
    `#status = :online AND ${beatLaterThan(':cutoff')} AND (attribute_not_exists(maxChats) OR activeChats < maxChats) AND ${sameIncarnation(operator.incarnation)}`;
  const update = new OperatorUpdate()
    .setExpression('lastAssignedAt = :now, queueSk = :queueSk', { ':now': now, ':queueSk': operatorQueueSk(now) }, 'same')
    // One more open chat, assigned now: loadKey = (loadBase before) + LOAD_UNIT + now.
    .setExpression(
      'activeChats = activeChats + :one, assigned = assigned + :one, loadBase = if_not_exists(loadBase, :noLoad) + :loadUnit, loadKey = if_not_exists(loadBase, :noLoad) + :loadKeyAfter',
      { ':one': 1, ':noLoad': 0, ':loadUnit': LOAD_UNIT, ':loadKeyAfter': LOAD_UNIT + nowMs },
      'same',
    )
    .setExpression('version = version + :one', { ':one': 1 })
    .remove('freedAtMs');
  if (guard.turn !== undefined) {
    condition += ' AND turn = :turn';
    conditionValues[':turn'] = guard.turn;
    update.setExpression('turn = :nextTurn', { ':nextTurn': guard.turn + 1 }, 'same');
  } else {
    update.setExpression('turn = turn + :one', { ':one': 1 }, 'same');
  }
  if (guard.activeChats !== undefined) {
    condition += ' AND activeChats = :activeChatsRead';
    conditionValues[':activeChatsRead'] = guard.activeChats;
  }
  const [own, ...copies] = operatorWriteItems(ctx, {
    siteId: operator.siteId,
    operatorId: operator.id,
    groups: operator.groups,
    update,
    condition: { expression: condition, names: { '#status': 'status' }, values: conditionValues },
  });
  // A lost claim returns the operator as it is: the caller learns why without reading it.
  return { own: { Update: { ...own!.Update!, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } }, copies };
}

/**
 * After a committed claim: with its count of open chats guarded, or its turn (every other claim
 * would have moved it, and closes only lower the count), the claim knows whether it filled the
 * operator; unguarded, it may have. A full operator leaves the queue index.
 */
export async function afterClaim(ctx: DynamoContext, operator: Operator, guard: ClaimGuard) {
  const countKnown = guard.activeChats !== undefined || guard.turn !== undefined;
  const mayBeFull = operator.maxChats !== null && (!countKnown || operator.activeChats + 1 >= operator.maxChats);
  if (mayBeFull) await bestEffort(() => leaveQueueIfFull(ctx, operator));
}

/** The claim of an operator for a new chat: the operator, the chat and the visitor's count of open chats together. */
export async function claim(ctx: DynamoContext, input: ClaimInput): Promise<ClaimOutcome> {
  const { operator, settings, chat, guard } = input;
  const { own, copies } = operatorClaim(ctx, input);
  const also = (input.alsoWrite ?? []) as TransactItem[];
  const outcome = await transact(ctx, [
    own,
    {
      Put: {
        TableName: ctx.tableName,
        Item: newChatItem(chat, input.chatTokenHash, operator.incarnation, answerDueAtMs(settings, input.nowMs), input.firstMessage ? 1 : 0, keepSecondsOf(settings)),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    visitorCount(ctx, chat, 1, settings.maxOpenChatsPerVisitor, { operatorId: operator.id, nowMs: input.nowMs }),
    ...copies,
    ...(input.firstMessage ? [{ Put: { TableName: ctx.tableName, Item: messageItem(input.firstMessage, keepSecondsOf(settings)) } }] : []),
    ...counterUpdates(ctx, chat.siteId, [{ chatId: chat.id, before: null, after: chat }]),
    // Last: a failure at one of these is theirs (see below).
    ...also,
  ]);
  if (!outcome.written) {
    if (outcome.failedAt === 0) return { lost: outcome.failedItem ? operatorFromItem(outcome.failedItem) : null };
    if (also.length > 0 && outcome.failedAt >= outcome.items - also.length) return 'also-failed';
    return outcome.failedAt === 2 ? 'visitor-limit' : 'conflict';
  }
  await afterClaim(ctx, operator, guard);
  return 'claimed';
}

/**
 * Keeps the queue index to operators with room, after the claim or close has committed. Best
 * effort: the committed write must not be reported as failed (a retry would assign again), and
 * the read path skips full operators anyway; the next claim or close of the operator mends it.
 */
export async function bestEffort(write: () => Promise<unknown>) {
  try {
    await write();
  } catch {
    /* see above */
  }
}

/** Takes a full operator (and its copies) out of the queue index; a close running meanwhile re-checks after its own write. */
function leaveQueueIfFull(ctx: DynamoContext, operator: Operator) {
  return writeOperator(ctx, {
    siteId: operator.siteId,
    operatorId: operator.id,
    groups: operator.groups,
    update: new OperatorUpdate().queue(operator.siteId, false),
    condition: { expression: 'activeChats >= maxChats' },
  });
}

/** Puts an operator that has room again (and its copies) back into the queue index. */
export function rejoinQueueIfRoom(ctx: DynamoContext, operator: Operator) {
  return writeOperator(ctx, {
    siteId: operator.siteId,
    operatorId: operator.id,
    groups: operator.groups,
    // Marked freed again: a heartbeat between the close and this write may have cleared the close's mark.
    update: new OperatorUpdate().queue(operator.siteId, true).set('freedAtMs', Date.now()),
    // Only an operator out of the index (it was full): one still in it needs no second write.
    condition: {
      expression: '#status = :online AND attribute_exists(maxChats) AND activeChats < maxChats AND attribute_not_exists(queuePk)',
      names: { '#status': 'status' },
      values: { ':online': 'online' },
    },
  });
}

export async function recordUnassignedChat(
  ctx: DynamoContext,
  chat: Chat,
  chatTokenHash: string,
  visitorLimit: number | null,
  firstMessage?: Message,
  keepSeconds?: number,
): Promise<'recorded' | 'visitor-limit'> {
  const put = { TableName: ctx.tableName, Item: newChatItem(chat, chatTokenHash, null, null, firstMessage ? 1 : 0, keepSeconds), ConditionExpression: 'attribute_not_exists(pk)' };
  const message = firstMessage ? [{ Put: { TableName: ctx.tableName, Item: messageItem(firstMessage, keepSeconds ?? DEFAULT_KEEP_SECONDS) } }] : [];
  // One request still: the chat and its count are one transaction (with the visitor's limit checked, and its first message).
  const outcome = await transact(ctx, [
    ...(visitorLimit === null ? [] : [{ ConditionCheck: { TableName: ctx.tableName, Key: visitorKey(chat.siteId, chat.visitorId), ...visitorBelowLimit(visitorLimit) } }]),
    { Put: put },
    ...message,
    ...counterUpdates(ctx, chat.siteId, [{ chatId: chat.id, before: null, after: chat }]),
  ]);
  if (outcome.written) return 'recorded';
  if (outcome.failedAt === 0 && visitorLimit !== null) return 'visitor-limit';
  // Chat ids are fresh random values, so only a conflict on the visitor's item gets here.
  throw new ContentionError();
}

export async function getChat(ctx: DynamoContext, siteId: string, chatId: string): Promise<ChatRecord | null> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: chatKey(siteId, chatId), ConsistentRead: true, ...CAPACITY }),
  );
  return Item ? chatRecordFromItem(Item) : null;
}

function closeChatUpdate(ctx: DynamoContext, chat: Chat, closedAt: string) {
  const expiry = expiryOnEnd(closedAt);
  return {
    TableName: ctx.tableName,
    Key: chatKey(chat.siteId, chat.id),
    UpdateExpression: `SET #status = :closed, closedAt = :closedAt, ${expiry.set} REMOVE openChatsPk, ${AWAITING_ANSWER_ATTRIBUTES.join(', ')}`,
    ConditionExpression: '#status = :open',
    ExpressionAttributeNames: { '#status': 'status', ...expiry.names },
    ExpressionAttributeValues: { ':closed': 'closed', ':closedAt': closedAt, ':open': chat.status, ...expiry.values },
  };
}

/**
 * The operator's side of a chat leaving it (closed, taken back, transferred), with its group
 * copies: `chats` open chats fewer, the last assignment kept (both load attributes move down by one
 * unit per chat), and `freedAtMs` marking the stream record of a write that may let it take a waiting
 * chat. `also` adds clauses of the operator's own. Only the incarnation the chat was given to:
 * not a later one re-created under the same id.
 */
export function operatorRelease(
  ctx: DynamoContext,
  operator: Operator,
  incarnation: string | null,
  atMs: number,
  chats = 1,
  also?: (update: OperatorUpdate) => void,
) {
  const update = new OperatorUpdate()
    .setExpression(
      'activeChats = activeChats - :released, loadBase = if_not_exists(loadBase, :loadReleased) - :loadReleased, loadKey = if_not_exists(loadKey, :loadReleased) - :loadReleased',
      { ':released': chats, ':loadReleased': chats * LOAD_UNIT },
      'same',
    )
    .setExpression('version = version + :one, freedAtMs = :freedAt', { ':one': 1, ':freedAt': atMs });
  also?.(update);
  return operatorWriteItems(ctx, {
    siteId: operator.siteId,
    operatorId: operator.id,
    groups: operator.groups,
    update,
    condition: {
      expression: `attribute_exists(pk) AND activeChats >= :released AND ${sameIncarnation(incarnation)}`,
      values: { ':released': chats, ...(incarnation ? { ':incarnation': incarnation } : {}) },
    },
  });
}

/** Whether the chat's operator as read is the one it was given to, holding it among its open chats. */
export const holdsChat = (operator: Operator | null | undefined, record: ChatRecord): operator is Operator =>
  Boolean(operator) && operator!.incarnation === (record.operatorIncarnation ?? '') && operator!.activeChats >= 1;

/** Closes the chat alone (unassigned, or its operator was deleted), and gives the visitor its count back. */
async function closeChatAlone(ctx: DynamoContext, record: ChatRecord, closed: Chat): Promise<Chat | 'not-open' | 'lost'> {
  const { chat } = record;
  const update = closeChatUpdate(ctx, chat, closed.closedAt!);
  if (!record.countsForVisitor) {
    const done = await conditionally(() => ctx.doc.send(new UpdateCommand({ ...update, ...CAPACITY })));
    return done ? closed : 'not-open';
  }
  const outcome = await transact(ctx, [{ Update: update }, visitorCount(ctx, chat, -1, null)]);
  if (outcome.written) return closed;
  return outcome.failedAt === 0 ? 'not-open' : 'lost';
}

/**
 * Closes the chat and gives its operator (and its group copies) the capacity back in one
 * transaction. The operator is read first, for its groups. When it was deleted meanwhile (or
 * re-created), the chat is closed alone; when it changed or another transaction got in the
 * way, nothing was written and the caller retries.
 */
export async function closeChat(ctx: DynamoContext, record: ChatRecord, closedAt: string): Promise<Chat | 'not-open' | 'lost'> {
  const { chat } = record;
  if (chat.status === 'closed') return 'not-open';
  const closed: Chat = { ...chat, status: 'closed', closedAt };
  // No longer waiting (assigned meanwhile, or closed): 'lost' makes the caller re-read and close what it is now.
  if (chat.status === 'waiting') return (await leaveWaiting(ctx, record, 'closed', closedAt)) ? closed : 'lost';
  if (chat.status === 'unassigned' || !chat.operatorId) return closeChatAlone(ctx, record, closed);
  const operator = (await getOperator(ctx, chat.siteId, chat.operatorId))?.operator;
  if (!holdsChat(operator, record)) return closeChatAlone(ctx, record, closed);
  const [own, ...copies] = operatorRelease(ctx, operator, record.operatorIncarnation, Date.parse(closedAt));
  const outcome = await transact(ctx, [
    { Update: closeChatUpdate(ctx, chat, closedAt) },
    own!,
    ...(record.countsForVisitor ? [visitorCount(ctx, chat, -1, null)] : []),
    ...copies,
  ]);
  if (!outcome.written) return outcome.failedAt === 0 ? 'not-open' : 'lost';
  const after = { ...operator, activeChats: operator.activeChats - 1 };
  await bestEffort(() => rejoinQueueIfRoom(ctx, after));
  await bestEffort(() => countClose(ctx, chat.siteId, Date.parse(closedAt)));
  return closed;
}

export async function listOpenChats(ctx: DynamoContext, siteId: string, operatorId: string, incarnation: string): Promise<Chat[]> {
  return queryAll(ctx, {
    IndexName: OPEN_CHATS_INDEX.indexName,
    KeyConditionExpression: 'openChatsPk = :pk',
    ExpressionAttributeValues: { ':pk': openChatsPk(siteId, operatorId, incarnation) },
    ScanIndexForward: false,
  });
}

export async function listChats(ctx: DynamoContext, siteId: string, range: { fromId: string; toId: string }): Promise<Chat[]> {
  return queryAll(ctx, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': sitePk(siteId),
      ':from': CHAT_SK_PREFIX + range.fromId,
      ':to': CHAT_SK_PREFIX + range.toId,
    },
  });
}

async function queryAll(ctx: DynamoContext, query: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>) {
  const chats: Chat[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await ctx.doc.send(
      new QueryCommand({ ...query, TableName: ctx.tableName, ExclusiveStartKey: cursor, ...CAPACITY }),
    );
    chats.push(...(page.Items ?? []).map(chatFromItem));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return chats;
}
