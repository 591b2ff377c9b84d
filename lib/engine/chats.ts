import { chatNotFound, operatorNotFound } from '../domain/errors.js';
import type { Chat } from '../domain/model.js';
import type { ChatRecord } from '../store/records.js';
import { untilWritten, type EngineDeps } from './deps.js';

export async function requireChat(deps: EngineDeps, siteId: string, chatId: string): Promise<ChatRecord> {
  const record = await deps.store.getChat(siteId, chatId);
  if (!record) throw chatNotFound();
  return record;
}

/** Closes the chat and frees its operator's capacity; closing a closed chat changes nothing. */
export async function closeChat(deps: EngineDeps, record: ChatRecord): Promise<Chat> {
  let current = record;
  return untilWritten(async (attempt) => {
    if (attempt > 0) current = await requireChat(deps, record.chat.siteId, record.chat.id);
    if (current.chat.status === 'closed') return current.chat;
    const outcome = await deps.store.closeChat(current, new Date(deps.clock()).toISOString());
    if (outcome === 'lost') return undefined;
    // 'not-open': someone else closed it between our read and our write.
    return outcome === 'not-open' ? (await requireChat(deps, record.chat.siteId, record.chat.id)).chat : outcome;
  }, { random: deps.random });
}

export async function listOpenChats(deps: EngineDeps, siteId: string, operatorId: string): Promise<Chat[]> {
  const record = await deps.store.getOperator(siteId, operatorId);
  if (!record) throw operatorNotFound();
  return deps.store.listOpenChats(siteId, operatorId, record.operator.incarnation);
}
