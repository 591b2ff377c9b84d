import { createHash } from 'node:crypto';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { chatEventsOf, type ChatEventType } from '../domain/chat-events.js';
import { publicMessage, type Chat, type Message } from '../domain/model.js';
import { CHAT, chatFromItem } from '../store/entities/chat.js';
import { MESSAGE, messageFromItem } from '../store/entities/message.js';
import type { WebhookEvent } from './event.js';

/** The stream records that can mean an event: chats written (created, or changed) and messages created. */
export const CHAT_EVENT_FILTER_PATTERNS = [
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { type: { S: [CHAT.type] } } } },
  { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: [MESSAGE.type] } } } },
] as const;

type Image = Record<string, AttributeValue>;

/**
 * An event's id follows from the stream record it comes from (a record's id is stable across
 * the retries of its batch), so an event published twice reaches the receiver under one id.
 */
const eventIdOf = (record: DynamoDBRecord, type: string) =>
  `evt_${createHash('sha256').update(`${record.eventID ?? ''}\0${type}`).digest('hex').slice(0, 32)}`;

const recordTime = (record: DynamoDBRecord) =>
  new Date(record.dynamodb?.ApproximateCreationDateTime ? record.dynamodb.ApproximateCreationDateTime * 1000 : Date.now()).toISOString();

/** When it happened, as the chat tells it where it can (the record's time is to the second only). */
function occurredAt(type: ChatEventType, chat: Chat, record: DynamoDBRecord): string {
  if (type === 'chat.assigned' && chat.assignedAt) return chat.assignedAt;
  if (type === 'chat.closed' && chat.closedAt) return chat.closedAt;
  if (record.eventName === 'INSERT') return chat.createdAt;
  return recordTime(record);
}

/** A chat's events in one record (a message's event needs its chat, read afterwards: `chat` is null). */
export type StreamEvent = Omit<WebhookEvent, 'chat'> & { chat: Chat | null };

/** What a record of the table says happened: a chat written (with its state before, null for a new one), a message created, or neither. */
export type StreamChange = { kind: 'chat'; before: Chat | null; after: Chat } | { kind: 'message'; message: Message } | null;

export function changeOfRecord(record: DynamoDBRecord): StreamChange {
  const after = record.dynamodb?.NewImage ? unmarshall(record.dynamodb.NewImage as Image) : undefined;
  if (after?.type === MESSAGE.type && record.eventName === 'INSERT') return { kind: 'message', message: messageFromItem(after) };
  if (after?.type !== CHAT.type) return null;
  const before = record.eventName === 'MODIFY' && record.dynamodb?.OldImage ? chatFromItem(unmarshall(record.dynamodb.OldImage as Image)) : null;
  return { kind: 'chat', before, after: chatFromItem(after) };
}

export function eventsOfRecord(record: DynamoDBRecord): StreamEvent[] {
  const change = changeOfRecord(record);
  if (!change) return [];
  if (change.kind === 'message') {
    const { message } = change;
    return [{ id: eventIdOf(record, 'message.created'), type: 'message.created', siteId: message.siteId, occurredAt: message.createdAt, chat: null, message: publicMessage(message) }];
  }
  const chat = change.after;
  return chatEventsOf(change.before, chat).map((type) => ({ id: eventIdOf(record, type), type, siteId: chat.siteId, occurredAt: occurredAt(type, chat, record), chat }));
}
