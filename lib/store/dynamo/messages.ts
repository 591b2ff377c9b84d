import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Message } from '../../domain/model.js';
import { AWAITING_ANSWER_ATTRIBUTES, chatKey, chatRecordFromItem, followUpsPk } from '../entities/chat.js';
import { chatMessagesPrefix, messageFromItem, messageItem, messageKey } from '../entities/message.js';
import { sitePk } from '../entities/site.js';
import type { ChatRecord, FollowUpsPage, MessageWriteOutcome } from '../port.js';
import { OPEN_CHATS_INDEX } from '../table.js';
import { CAPACITY, transact, type DynamoContext } from './context.js';
import { atAssignment, NOT_ACCEPTED } from './reassign.js';

/**
 * The chat's side of a message, in the same transaction: the chat's count of messages moves on
 * to the message's number (so two messages can never take one number, and ids sort in the order
 * they were written), on the condition that a visitor writes to a chat that is not closed, and an
 * operator to the chat still assigned to it, whose first message accepts it (as the accept
 * route does, on the same assignment).
 */
function chatSide(ctx: DynamoContext, record: ChatRecord, message: Message) {
  const { chat } = record;
  const counted = record.messageCount === 0 ? '(attribute_not_exists(messageCount) OR messageCount = :countRead)' : 'messageCount = :countRead';
  const count = { ':countRead': record.messageCount, ':countNext': record.messageCount + 1 };
  const base = { TableName: ctx.tableName, Key: chatKey(chat.siteId, chat.id), ExpressionAttributeNames: { '#status': 'status' } };
  if (message.from === 'visitor') {
    return {
      Update: {
        ...base,
        UpdateExpression: 'SET messageCount = :countNext',
        ConditionExpression: `attribute_exists(pk) AND #status <> :closed AND ${counted}`,
        ExpressionAttributeValues: { ':closed': 'closed', ...count },
      },
    };
  }
  const assignment = atAssignment(chat);
  if (chat.acceptedAt) {
    return {
      Update: {
        ...base,
        UpdateExpression: 'SET messageCount = :countNext',
        ConditionExpression: `${assignment.expression} AND ${counted}`,
        ExpressionAttributeValues: { ...assignment.values, ...count },
      },
    };
  }
  return {
    Update: {
      ...base,
      UpdateExpression: `SET messageCount = :countNext, acceptedAt = :acceptedAt REMOVE ${AWAITING_ANSWER_ATTRIBUTES.join(', ')}`,
      ConditionExpression: `${assignment.expression} AND ${NOT_ACCEPTED} AND ${counted}`,
      ExpressionAttributeValues: { ...assignment.values, ...count, ':none': null, ':acceptedAt': message.createdAt },
    },
  };
}

/** The message with the check (or the accept) of its chat as read; 'chat-changed' when the chat is no longer so (nothing written). */
export async function putMessage(ctx: DynamoContext, record: ChatRecord, message: Message): Promise<MessageWriteOutcome> {
  const outcome = await transact(ctx, [
    chatSide(ctx, record, message),
    { Put: { TableName: ctx.tableName, Item: messageItem(message, record.keepSeconds), ConditionExpression: 'attribute_not_exists(pk)' } },
  ]);
  if (outcome.written) return 'written';
  return outcome.failedAt === 0 ? 'chat-changed' : 'conflict';
}

/** The chat's messages after `afterId` (from the first without it), oldest first, `limit` at most. */
export async function listMessages(ctx: DynamoContext, siteId: string, chatId: string, limit: number, afterId?: string): Promise<Message[]> {
  const page = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': sitePk(siteId), ':prefix': chatMessagesPrefix(chatId) },
      ...(afterId ? { ExclusiveStartKey: messageKey(siteId, chatId, afterId) } : {}),
      Limit: limit,
      ConsistentRead: true,
      ...CAPACITY,
    }),
  );
  return (page.Items ?? []).map(messageFromItem);
}

/** A page's last key as the text a client hands back, and back: only keys of this site's follow-ups are taken. */
const encodeCursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');

function decodeCursor(siteId: string, cursor: string): Record<string, unknown> | null {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const fields = ['openChatsPk', 'createdAt', 'pk', 'sk'];
    const wellFormed = key && typeof key === 'object' && Object.keys(key).sort().join() === [...fields].sort().join() && fields.every((field) => typeof key[field] === 'string');
    return wellFormed && key.openChatsPk === followUpsPk(siteId) && key.pk === sitePk(siteId) ? key : null;
  } catch {
    return null;
  }
}

/** A page of the site's chats nobody took (not closed), newest first, from the follow-ups partition of the openChats index. */
export async function listFollowUps(ctx: DynamoContext, siteId: string, limit: number, cursor?: string): Promise<FollowUpsPage | null> {
  const before = cursor === undefined ? undefined : decodeCursor(siteId, cursor);
  if (before === null) return null;
  const page = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: OPEN_CHATS_INDEX.indexName,
      KeyConditionExpression: 'openChatsPk = :pk',
      ExpressionAttributeValues: { ':pk': followUpsPk(siteId) },
      ScanIndexForward: false,
      Limit: limit,
      ...(before ? { ExclusiveStartKey: before } : {}),
      ...CAPACITY,
    }),
  );
  const chats = (page.Items ?? []).map((item) => chatRecordFromItem(item).chat);
  return page.LastEvaluatedKey ? { chats, cursor: encodeCursor(page.LastEvaluatedKey) } : { chats };
}
