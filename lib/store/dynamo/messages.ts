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
 * The chat's side of a message, checked in the same transaction: a visitor writes to a chat
 * that is not closed; an operator to the chat still assigned to it, and its first message
 * accepts the chat (as the accept route does, on the same assignment).
 */
function chatSide(ctx: DynamoContext, record: ChatRecord, message: Message) {
  const { chat } = record;
  const Key = chatKey(chat.siteId, chat.id);
  if (message.from === 'visitor') {
    return {
      ConditionCheck: {
        TableName: ctx.tableName,
        Key,
        ConditionExpression: 'attribute_exists(pk) AND #status <> :closed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':closed': 'closed' },
      },
    };
  }
  const assignment = atAssignment(chat);
  if (chat.acceptedAt) {
    return {
      ConditionCheck: { TableName: ctx.tableName, Key, ConditionExpression: assignment.expression, ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: assignment.values },
    };
  }
  return {
    Update: {
      TableName: ctx.tableName,
      Key,
      UpdateExpression: `SET acceptedAt = :acceptedAt REMOVE ${AWAITING_ANSWER_ATTRIBUTES.join(', ')}`,
      ConditionExpression: `${assignment.expression} AND ${NOT_ACCEPTED}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...assignment.values, ':none': null, ':acceptedAt': message.createdAt },
    },
  };
}

/** The message with the check (or the accept) of its chat as read; 'chat-changed' when the chat is no longer so (nothing written). */
export async function putMessage(ctx: DynamoContext, record: ChatRecord, message: Message): Promise<MessageWriteOutcome> {
  const outcome = await transact(ctx, [
    chatSide(ctx, record, message),
    { Put: { TableName: ctx.tableName, Item: messageItem(message), ConditionExpression: 'attribute_not_exists(pk)' } },
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
