import type { Principal } from '../domain/auth.js';
import { chatNotFound, forbidden, operatorNotFound, unauthorized } from '../domain/errors.js';
import { tokenMatches } from '../domain/ids.js';
import type { Chat } from '../domain/model.js';
import type { ChatRecord } from '../store/port.js';
import { untilWritten, type EngineDeps } from './deps.js';

export async function requireChat(deps: EngineDeps, siteId: string, chatId: string): Promise<ChatRecord> {
  const record = await deps.store.getChat(siteId, chatId);
  if (!record) throw chatNotFound();
  return record;
}

/** Closes the chat and frees its operator's capacity; closing a closed chat changes nothing. */
export async function closeChat(deps: EngineDeps, record: ChatRecord): Promise<Chat> {
  let current: ChatRecord | null = record;
  return untilWritten(async () => {
    current ??= await requireChat(deps, record.chat.siteId, record.chat.id);
    if (current.chat.status === 'closed') return current.chat;
    const outcome = await deps.store.closeChat(current, new Date(deps.clock()).toISOString());
    if (outcome !== 'lost' && outcome !== 'not-open') return outcome;
    // 'lost': another write got in the way. 'not-open': its status changed since our read:
    // closed by someone else (done), or taken back, transferred or assigned (close what it is now).
    current = null;
    return undefined;
  }, { random: deps.random });
}

/**
 * Closes the chat for one of its parties: its operator (bearer token) or the visitor (the
 * chatToken from the start reply); or for the site's admin, who closes follow-up requests once
 * handled (and may end any chat). Closing a closed chat returns it unchanged.
 */
export async function closeChatFor(
  deps: EngineDeps,
  siteId: string,
  chatId: string,
  caller: { principal: Principal | null; chatToken: string | undefined },
): Promise<Chat> {
  const { principal, chatToken } = caller;
  if (principal && (principal.role === 'platform' || principal.siteId !== siteId)) throw forbidden();
  if (!principal && chatToken === undefined) throw unauthorized();
  const record = await requireChat(deps, siteId, chatId);
  if (principal?.role === 'operator' && principal.operatorId !== record.chat.operatorId) {
    throw forbidden('This chat belongs to another operator.');
  }
  if (!principal && !tokenMatches(chatToken ?? '', record.tokenHash)) {
    throw forbidden('The chat token does not match this chat.');
  }
  return closeChat(deps, record);
}

export async function listOpenChats(deps: EngineDeps, siteId: string, operatorId: string): Promise<Chat[]> {
  const record = await deps.store.getOperator(siteId, operatorId);
  if (!record) throw operatorNotFound();
  return deps.store.listOpenChats(siteId, operatorId, record.operator.incarnation);
}
