/**
 * A message of a chat: SITE#<siteId> / MSG#<chatId>#<messageId>, next to its chat in the site's
 * partition. Message ids sort by creation time, so a chat's messages read oldest first with one
 * Query, a page at a time.
 */
import type { Message, MessageAuthor } from '../../domain/model.js';
import { itemMapper, nullable, value, type EntityDefinition, type Item } from './attributes.js';
import { sitePk } from './site.js';

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

export function messageItem(message: Message): Item {
  return { ...messageKey(message.siteId, message.chatId, message.id), type: MESSAGE.type, ...messageMapper.write(message) };
}

export const messageFromItem = (item: Item): Message => messageMapper.read(item);
