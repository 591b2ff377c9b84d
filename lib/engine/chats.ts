import { chatNotFound } from '../domain/errors.js';
import type { Chat } from '../domain/model.js';
import type { ChatRecord } from '../store/records.js';
import type { EngineDeps } from './deps.js';

export async function requireChat(deps: EngineDeps, siteId: string, chatId: string): Promise<ChatRecord> {
  const record = await deps.store.getChat(siteId, chatId);
  if (!record) throw chatNotFound();
  return record;
}

/** Closes the chat and frees its operator's capacity; closing a closed chat changes nothing. */
export async function closeChat(deps: EngineDeps, record: ChatRecord): Promise<Chat> {
  if (record.chat.status === 'closed') return record.chat;
  const closed = await deps.store.closeChat(record, new Date(deps.clock()).toISOString());
  if (closed) return closed;
  // Someone else closed it between our read and our write.
  return (await requireChat(deps, record.chat.siteId, record.chat.id)).chat;
}

export function listOpenChats(deps: EngineDeps, siteId: string, operatorId: string): Promise<Chat[]> {
  return deps.store.listOpenChats(siteId, operatorId);
}
