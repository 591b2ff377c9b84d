import type { Principal } from '../domain/auth.js';
import { forbidden, unauthorized } from '../domain/errors.js';
import { chatIdOfToken, tokenMatches } from '../domain/ids.js';
import { displayedAvatar, type Chat } from '../domain/model.js';
import { estimateWaitSeconds } from '../domain/queue-estimate.js';
import type { ChatRecord } from '../store/port.js';
import { requireChat } from './chats.js';
import type { EngineDeps } from './deps.js';
import { requireSite } from './sites.js';

export interface QueuePlace {
  position: number;
  estimatedWaitSeconds: number | null;
}

/** A waiting chat's place: its position (reads grow with it) and the estimate (two small reads). */
export async function queuePlace(deps: EngineDeps, siteId: string, chatId: string): Promise<QueuePlace> {
  const nowMs = deps.clock();
  const [position, closes] = await Promise.all([deps.store.waitingPosition(siteId, chatId), deps.store.recentCloses(siteId, nowMs)]);
  // A chat assigned between its read and this count is no longer in the queue: it is next, at most.
  const at = Math.max(position, 1);
  return { position: at, estimatedWaitSeconds: estimateWaitSeconds(at, closes, nowMs) };
}

export interface ChatView {
  chat: Chat;
  operator: { id: string; name: string; avatarUrl: string | null } | null;
  queue: QueuePlace | null;
}

export type Reader = { principal: Principal | null; bearer: string | undefined };

/**
 * Who may read a chat: the visitor with its chat token as the bearer token, the chat's operator,
 * or the site's admin. A token of another site, another operator, another chat or the platform
 * is 403; a token nobody has is 401.
 */
export async function checkReader(deps: EngineDeps, record: ChatRecord, { principal, bearer }: Reader) {
  const { chat } = record;
  if (principal) {
    if (principal.role === 'platform' || principal.siteId !== chat.siteId) throw forbidden('This token belongs to another site.');
    if (principal.role === 'operator' && principal.operatorId !== chat.operatorId) {
      throw forbidden('This chat belongs to another operator.');
    }
    return;
  }
  if (bearer === undefined) throw unauthorized();
  if (tokenMatches(bearer, record.tokenHash)) return;
  const named = chatIdOfToken(bearer);
  if (named && named !== chat.id) {
    const other = await deps.store.getChat(chat.siteId, named);
    if (other && tokenMatches(bearer, other.tokenHash)) throw forbidden('This chat token belongs to another chat.');
  }
  throw unauthorized();
}

export async function readChatFor(
  deps: EngineDeps,
  siteId: string,
  chatId: string,
  caller: Reader,
): Promise<ChatView> {
  // A token of the platform or of another site is refused before the chat is looked for.
  const { principal } = caller;
  if (principal && (principal.role === 'platform' || principal.siteId !== siteId)) throw forbidden('This token belongs to another site.');
  const record = await requireChat(deps, siteId, chatId);
  await checkReader(deps, record, caller);
  const { chat } = record;
  if (chat.status === 'waiting') return { chat, operator: null, queue: await queuePlace(deps, siteId, chatId) };
  if (!chat.operatorId) return { chat, operator: null, queue: null };
  const [site, operator] = await Promise.all([requireSite(deps, siteId), deps.store.getOperator(siteId, chat.operatorId)]);
  if (!operator) return { chat, operator: null, queue: null };
  const { id, name } = operator.operator;
  return { chat, operator: { id, name, avatarUrl: displayedAvatar(operator.operator, site.settings) }, queue: null };
}

export interface WaitingChat {
  chatId: string;
  group: string | null;
  createdAt: string;
  position: number;
}

/** The site's waiting chats, oldest first, with their positions. */
export async function listQueue(deps: EngineDeps, siteId: string): Promise<WaitingChat[]> {
  await requireSite(deps, siteId);
  const entries = await deps.store.listWaiting(siteId);
  return entries.map((entry, index) => ({ chatId: entry.chatId, group: entry.group, createdAt: entry.createdAt, position: index + 1 }));
}
