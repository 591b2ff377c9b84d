import { chatClosed, forbidden, invalidRequest } from '../domain/errors.js';
import { messageNumberId, type Message } from '../domain/model.js';
import type { ChatRecord } from '../store/port.js';
import { FOLLOW_UPS_PAGE, MESSAGES_PAGE } from '../domain/schemas.js';
import { requireChat } from './chats.js';
import { untilWritten, type EngineDeps } from './deps.js';
import { checkReader, type Reader } from './queue.js';
import { requireSite } from './sites.js';

/**
 * Who writes: the visitor (its chat token as the bearer token) or the chat's current operator; an
 * operator who lost the chat (taken back, transferred), the admin or anyone else may not.
 */
async function writerOf(deps: EngineDeps, record: ChatRecord, caller: Reader): Promise<Pick<Message, 'from' | 'operatorId'>> {
  const { chat } = record;
  const { principal } = caller;
  if (!principal) {
    await checkReader(deps, record, caller);
    return { from: 'visitor', operatorId: null };
  }
  if (principal.role === 'platform' || principal.siteId !== chat.siteId) throw forbidden('This token belongs to another site.');
  if (principal.role !== 'operator') throw forbidden("Only the visitor and the chat's operator write in it.");
  if (principal.operatorId !== chat.operatorId || chat.status !== 'assigned') throw forbidden('This chat is not assigned to you (any more).');
  return { from: 'operator', operatorId: principal.operatorId };
}

/** Refuses (401, 403, 404) a caller who may not write in the chat; what a retried request checks before its first result is given back. */
export async function authorizeWriter(deps: EngineDeps, siteId: string, chatId: string, caller: Reader): Promise<void> {
  const { principal } = caller;
  if (principal && (principal.role === 'platform' || principal.siteId !== siteId)) throw forbidden('This token belongs to another site.');
  const record = await requireChat(deps, siteId, chatId);
  // Who, not whether now: the first request may have written before the chat was closed or moved.
  if (!principal) return checkReader(deps, record, caller);
  if (principal.role !== 'operator' || principal.operatorId !== record.chat.operatorId) throw forbidden("Only the visitor and the chat's operator write in it.");
}

/**
 * A message of the visitor or the chat's operator: `409 chat_closed` on a closed chat; a visitor
 * may write while it waits. The operator's first message accepts the chat, in the same
 * transaction (so it races a take-back as an accept does).
 */
export async function postMessage(deps: EngineDeps, siteId: string, chatId: string, caller: Reader, text: string): Promise<Message> {
  const { principal } = caller;
  if (principal && (principal.role === 'platform' || principal.siteId !== siteId)) throw forbidden('This token belongs to another site.');
  return untilWritten(async () => {
    const record = await requireChat(deps, siteId, chatId);
    const { chat } = record;
    if (chat.status === 'closed') throw chatClosed();
    const writer = await writerOf(deps, record, caller);
    const nowMs = deps.clock();
    const message: Message = { id: messageNumberId(record.messageCount + 1), siteId, chatId, ...writer, text, createdAt: new Date(nowMs).toISOString() };
    // Not written: the chat changed since it was read (closed, taken back, moved, or another
    // message took this number): the re-read tells.
    if ((await deps.store.putMessage(record, message)) !== 'written') return undefined;
    if (writer.operatorId && !chat.acceptedAt) await deps.store.resetMissedInARow(siteId, writer.operatorId);
    return message;
  }, { random: deps.random });
}

/** The chat's messages, oldest first, MESSAGES_PAGE at most after `after`: for the visitor, the chat's operator and the admin. */
export async function readMessages(deps: EngineDeps, siteId: string, chatId: string, caller: Reader, after?: string): Promise<Message[]> {
  const { principal } = caller;
  if (principal && (principal.role === 'platform' || principal.siteId !== siteId)) throw forbidden('This token belongs to another site.');
  await checkReader(deps, await requireChat(deps, siteId, chatId), caller);
  return deps.store.listMessages(siteId, chatId, MESSAGES_PAGE, after);
}

/** The follow-up requests: the site's chats nobody took and not closed, newest first, a page at a time. */
export async function listFollowUps(deps: EngineDeps, siteId: string, cursor?: string) {
  await requireSite(deps, siteId);
  const page = await deps.store.listFollowUps(siteId, FOLLOW_UPS_PAGE, cursor);
  if (!page) throw invalidRequest('query.cursor: not a cursor this route gave for this site');
  return page;
}
