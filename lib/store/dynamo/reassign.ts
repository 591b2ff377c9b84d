/**
 * Writes that move an assigned chat away from its operator: a take-back (unanswered, or its
 * operator left), an accept that pins it, and a transfer. Each is conditional on the chat's
 * current assignment (its operator and `assignedAt`), so that of two such writes racing on one
 * chat, exactly one lands, and a late deadline or a replayed event changes nothing.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Chat } from '../../domain/model.js';
import { allAnswerShards, AWAITING_ANSWER_ATTRIBUTES, awaitingAnswer, chatKey, chatRecordFromItem, expiryOnEnd, followUpsPk, openChatsPk } from '../entities/chat.js';
import { answerDueAtMs } from '../../domain/settings.js';
import { operatorKey } from '../entities/operator.js';
import { waitingItem } from '../entities/waiting.js';
import { MAX_TAKE_BACK_CHATS, type ChatRecord, type OpenChatsPage, type OverdueAnswer, type TakeBackInput, type TakeBackOutcome, type TakeBackReason, type TakenChat, type TransferToOperatorInput, type TransferOutcome } from '../port.js';
import { OPEN_CHATS_INDEX } from '../table.js';
import { afterClaim, bestEffort, operatorClaim, operatorRelease, rejoinQueueIfRoom, visitorCount } from './chats.js';
import { dueInShards } from './liveness.js';
import { CAPACITY, transact, type DynamoContext } from './context.js';
import { conditionally } from './operators.js';
import { entryOf } from './waiting.js';
import { counterUpdates } from './stat-counters.js';

/** The chat is still at the assignment that was read: its operator and the moment it got it. */
export function atAssignment(chat: Chat) {
  return {
    expression: `#status = :assigned AND operatorId = :operatorRead AND ${chat.assignedAt ? 'assignedAt = :assignedAtRead' : '(attribute_not_exists(assignedAt) OR assignedAt = :none)'}`,
    values: { ':assigned': 'assigned', ':operatorRead': chat.operatorId, ...(chat.assignedAt ? { ':assignedAtRead': chat.assignedAt } : { ':none': null }) },
  };
}

export const NOT_ACCEPTED = '(attribute_not_exists(acceptedAt) OR acceptedAt = :none)';

/** A chat's side of a take-back: the chat itself, its new queue entry, and the visitor's count when it stops being open. */
function takenChatItems(ctx: DynamoContext, taken: TakenChat, reason: TakeBackReason, nowMs: number) {
  const { record, becomes } = taken;
  const { chat } = record;
  const assignment = atAssignment(chat);
  const missed = reason === 'missed' && !chat.missedBy.includes(chat.operatorId!);
  const after: Chat = {
    ...chat,
    status: becomes,
    operatorId: null,
    assignedBy: null,
    assignedAt: null,
    acceptedAt: null,
    group: taken.group,
    missedBy: missed ? [...chat.missedBy, chat.operatorId!] : chat.missedBy,
  };
  const expiry = expiryOnEnd(new Date(nowMs).toISOString());
  const sets = ['#status = :becomes', 'operatorId = :none', 'assignedBy = :none', 'assignedAt = :none', 'operatorIncarnation = :none', '#group = :group', 'missedBy = :missedBy'];
  const items = [
    {
      Update: {
        TableName: ctx.tableName,
        Key: chatKey(chat.siteId, chat.id),
        UpdateExpression:
          becomes === 'unassigned'
            ? `SET ${sets.join(', ')}, openChatsPk = :followUps, ${expiry.set} REMOVE ${AWAITING_ANSWER_ATTRIBUTES.join(', ')}, countsForVisitor`
            : `SET ${sets.join(', ')} REMOVE openChatsPk, ${AWAITING_ANSWER_ATTRIBUTES.join(', ')}`,
        ConditionExpression: reason === 'transferred' ? assignment.expression : `${assignment.expression} AND ${NOT_ACCEPTED}`,
        ExpressionAttributeNames: { '#status': 'status', '#group': 'group', ...(becomes === 'unassigned' ? expiry.names : {}) },
        ExpressionAttributeValues: {
          ...assignment.values,
          ':none': null,
          ':becomes': becomes,
          ':group': taken.group,
          ':missedBy': after.missedBy,
          ...(becomes === 'unassigned' ? { ':followUps': followUpsPk(chat.siteId), ...expiry.values } : {}),
        },
      },
    },
    ...(becomes === 'waiting' ? [{ Put: { TableName: ctx.tableName, Item: waitingItem(entryOf(after, taken.escalated)) } }] : []),
    ...(becomes === 'unassigned' && record.countsForVisitor ? [visitorCount(ctx, chat, -1, null)] : []),
  ];
  return { items, change: { chatId: chat.id, before: chat, after } };
}

/**
 * Chats leave their operator: each waits again (its queue entry written with it) or, its wait
 * over, is recorded unassigned (the visitor's count given back); the operator, when it still
 * holds them, gets its capacity back, and for chats it missed, it joins their `missedBy` and its
 * counters grow. All in one transaction (the operator's item written once, however many chats),
 * each chat on the condition that it is still at the assignment read and not accepted (for a
 * transfer to a group, accepted or not).
 */
export async function takeBack(ctx: DynamoContext, input: TakeBackInput): Promise<TakeBackOutcome> {
  const { chats, operator, reason, nowMs } = input;
  if (chats.length === 0 || chats.length > MAX_TAKE_BACK_CHATS) throw new RangeError(`a take-back of ${chats.length} chats`);
  const taken = chats.map((chat) => takenChatItems(ctx, chat, reason, nowMs));
  const perChat = taken.map(({ items }) => items);
  const firstOf = perChat.map((_, index) => perChat.slice(0, index).reduce((sum, items) => sum + items.length, 0));
  const operatorAt = perChat.reduce((sum, items) => sum + items.length, 0);
  const count = chats.length;
  const released = operator
    ? operatorRelease(ctx, operator, chats[0]!.record.operatorIncarnation, nowMs, count, (update) => {
        if (reason === 'missed') update.setExpression('missed = if_not_exists(missed, :zero) + :count, missedInARow = if_not_exists(missedInARow, :zero) + :count', { ':zero': 0, ':count': count });
      })
    : [];
  const counters = counterUpdates(ctx, operator?.siteId ?? chats[0]!.record.chat.siteId, taken.map(({ change }) => change));
  const outcome = await transact(ctx, [...perChat.flat(), ...released, ...counters]);
  if (!outcome.written) {
    const chatIndex = firstOf.findIndex((first, index) => outcome.failedAt === first && index < count);
    if (chatIndex >= 0) return { kind: 'chat-changed', chatId: chats[chatIndex]!.record.chat.id };
    return outcome.failedAt === operatorAt ? { kind: 'operator-changed' } : { kind: 'conflict' };
  }
  if (operator) await bestEffort(() => rejoinQueueIfRoom(ctx, { ...operator, activeChats: operator.activeChats - count }));
  return { kind: 'taken' };
}

/** Pins the chat to its operator: false when it is no longer at the assignment read (taken back, transferred, closed). */
export function acceptChat(ctx: DynamoContext, record: ChatRecord, acceptedAt: string): Promise<boolean> {
  const { chat } = record;
  const assignment = atAssignment(chat);
  return conditionally(() =>
    ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: chatKey(chat.siteId, chat.id),
        UpdateExpression: `SET acceptedAt = :acceptedAt REMOVE ${AWAITING_ANSWER_ATTRIBUTES.join(', ')}`,
        ConditionExpression: `${assignment.expression} AND ${NOT_ACCEPTED}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...assignment.values, ':none': null, ':acceptedAt': acceptedAt },
        ...CAPACITY,
      }),
    ),
  );
}

/** An accept breaks the operator's run of missed chats (its version moves, so a pending "set away" re-reads). */
export async function resetMissedInARow(ctx: DynamoContext, siteId: string, operatorId: string): Promise<void> {
  await conditionally(() =>
    ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: operatorKey(siteId, operatorId),
        UpdateExpression: 'SET missedInARow = :zero, version = version + :one',
        ConditionExpression: 'missedInARow > :zero',
        ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
        ...CAPACITY,
      }),
    ),
  );
}

/**
 * An assigned chat to another operator: the receiver's claim (available, below its limit, as
 * for a new chat), the chat moved to it unaccepted, the sender's capacity back (when it still
 * holds the chat) and the visitor's last operator, in one transaction.
 */
export async function transferToOperator(ctx: DynamoContext, input: TransferToOperatorInput): Promise<TransferOutcome> {
  const { record, from, to, settings, nowMs } = input;
  const { chat } = record;
  const assignment = atAssignment(chat);
  const now = new Date(nowMs).toISOString();
  const claim = operatorClaim(ctx, { operator: to, settings, guard: {}, nowMs });
  const awaiting = awaitingAnswer(chat.siteId, answerDueAtMs(settings, nowMs));
  const [fromOwn, ...fromCopies] = from ? operatorRelease(ctx, from, record.operatorIncarnation, nowMs) : [];
  const items = [
    {
      Update: {
        TableName: ctx.tableName,
        Key: chatKey(chat.siteId, chat.id),
        UpdateExpression: `SET operatorId = :to, assignedBy = :transfer, assignedAt = :now, acceptedAt = :none, operatorIncarnation = :incarnation, openChatsPk = :openChatsPk${
          'liveShard' in awaiting ? ', liveShard = :answerShard, staleAt = :answerDueAt' : ` REMOVE ${AWAITING_ANSWER_ATTRIBUTES.join(', ')}`
        }`,
        ConditionExpression: assignment.expression,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ...assignment.values,
          ':none': null,
          ':to': to.id,
          ':transfer': 'transfer',
          ':now': now,
          ':incarnation': to.incarnation,
          ':openChatsPk': openChatsPk(chat.siteId, to.id, to.incarnation),
          ...('liveShard' in awaiting ? { ':answerShard': awaiting.liveShard, ':answerDueAt': awaiting.staleAt } : {}),
        },
      },
    },
    claim.own,
    visitorCount(ctx, chat, 0, null, { operatorId: to.id, nowMs }),
    ...(fromOwn ? [fromOwn] : []),
    ...claim.copies,
    ...fromCopies,
    ...counterUpdates(ctx, chat.siteId, [
      { chatId: chat.id, before: chat, after: { ...chat, operatorId: to.id, assignedBy: 'transfer', assignedAt: now } },
    ]),
  ];
  const outcome = await transact(ctx, items);
  if (!outcome.written) {
    if (outcome.failedAt === 0) return 'chat-changed';
    if (outcome.failedAt === 1) return 'operator-lost';
    return outcome.failedAt === 3 && fromOwn ? 'operator-changed' : 'conflict';
  }
  await afterClaim(ctx, to, {});
  if (from) await bestEffort(() => rejoinQueueIfRoom(ctx, { ...from, activeChats: from.activeChats - 1 }));
  return 'transferred';
}

/** A waiting chat now waits for another group (its queue entry moves to that group's partition); false when it no longer waits. */
export async function regroupWaiting(ctx: DynamoContext, record: ChatRecord, group: string, escalated: boolean): Promise<boolean> {
  const { chat } = record;
  const moved: Chat = { ...chat, group };
  const outcome = await transact(ctx, [
    {
      Update: {
        TableName: ctx.tableName,
        Key: chatKey(chat.siteId, chat.id),
        UpdateExpression: 'SET #group = :group',
        ConditionExpression: '#status = :waiting',
        ExpressionAttributeNames: { '#status': 'status', '#group': 'group' },
        ExpressionAttributeValues: { ':waiting': 'waiting', ':group': group },
      },
    },
    { Put: { TableName: ctx.tableName, Item: waitingItem(entryOf(moved, escalated)), ConditionExpression: 'attribute_exists(pk)' } },
  ]);
  return outcome.written;
}

/** A page of the open chats of one incarnation of an operator, newest first. */
export async function openChatsPage(
  ctx: DynamoContext,
  operator: { siteId: string; id: string; incarnation: string },
  limit: number,
  cursor?: OpenChatsPage['cursor'],
): Promise<OpenChatsPage> {
  const page = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: OPEN_CHATS_INDEX.indexName,
      KeyConditionExpression: 'openChatsPk = :pk',
      ExpressionAttributeValues: { ':pk': openChatsPk(operator.siteId, operator.id, operator.incarnation) },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: cursor as Record<string, unknown> | undefined,
      ...CAPACITY,
    }),
  );
  return { chats: (page.Items ?? []).map(chatRecordFromItem), cursor: page.LastEvaluatedKey as OpenChatsPage['cursor'] };
}

/** Chats whose answer deadline passed before `beforeMs` and that still await their accept, from the answer shards of the liveness index. */
export async function listOverdueAnswers(ctx: DynamoContext, beforeMs: number): Promise<OverdueAnswer[]> {
  const { items } = await dueInShards(ctx, allAnswerShards(), beforeMs, 'siteId, chatId, operatorId, assignedAt, staleAt');
  return items.flatMap((item) =>
    typeof item.operatorId === 'string' && typeof item.assignedAt === 'string'
      ? [{ siteId: String(item.siteId), chatId: String(item.chatId), operatorId: item.operatorId, assignedAt: item.assignedAt, dueAtMs: Number(item.staleAt) }]
      : [],
  );
}
