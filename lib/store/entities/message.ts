/**
 * A message of a chat: SITE#<siteId> / MSG#<chatId>#<messageId>, next to its chat in the site's
 * partition. A message's id is its number in the chat (zero-padded, so ids sort as numbers),
 * taken from the chat's count of messages in the very transaction that writes it: a chat's
 * messages read in the order they were written, with one Query a page at a time, and none can
 * land behind a page already read.
 */
import type { Message, MessageAuthor } from '../../domain/model.js';
import { itemMapper, nullable, value, type EntityDefinition, type Item } from './attributes.js';
import { sitePk } from './site.js';
import { TTL_ATTRIBUTE } from './ttl.js';

export const MESSAGE_SK_PREFIX = 'MSG#';
export const chatMessagesPrefix = (chatId: string) => `${MESSAGE_SK_PREFIX}${chatId}#`;
export const messageKey = (siteId: string, chatId: string, messageId: string) => ({ pk: sitePk(siteId), sk: `${chatMessagesPrefix(chatId)}${messageId}` });

const messageMapper = itemMapper<Message>({
  id: value<string>().storedAs('messageId'),
  siteId: value<string>(),
  chatId: value<string>(),
  from: value<MessageAuthor>().storedAs('author'),
  operatorId: nullable<string>(),
  text: value<string>(),
  createdAt: value<string>(),
});

export const MESSAGE = { type: 'message', indexes: {} } as const satisfies EntityDefinition;


/** A message's item: it expires `keepSeconds` after it was written (its chat's retention). */
export function messageItem(message: Message, keepSeconds: number): Item {
  return {
    ...messageKey(message.siteId, message.chatId, message.id),
    type: MESSAGE.type,
    ...messageMapper.write(message),
    [TTL_ATTRIBUTE]: Math.floor(Date.parse(message.createdAt) / 1000) + keepSeconds,
  };
}

export const messageFromItem = (item: Item): Message => messageMapper.read(item);
