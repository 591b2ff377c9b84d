import type { Chat } from './model.js';

/** The events a chat goes through, as webhooks and live push name them. */
export const CHAT_EVENT_TYPES = ['chat.assigned', 'chat.waiting', 'chat.unassigned', 'chat.taken_back', 'chat.closed'] as const;
export type ChatEventType = (typeof CHAT_EVENT_TYPES)[number];

/**
 * What one write of a chat means, from the chat before it (null: the write created it) and after.
 * A write that changes neither status nor operator (an accept, a message counted) means nothing.
 * A chat leaves an operator without closing (no answer, the operator left, a transfer to a
 * group) by waiting again: that is `chat.taken_back`; another operator getting it (the dispatcher,
 * a transfer) is a later `chat.assigned`.
 */
export function chatEventsOf(before: Chat | null, after: Chat): ChatEventType[] {
  if (!before) return after.status === 'closed' ? [] : [`chat.${after.status}`];
  if (before.status === after.status && before.operatorId === after.operatorId) return [];
  if (before.status === 'assigned' && after.status === 'waiting') return ['chat.taken_back'];
  return [`chat.${after.status}`];
}
