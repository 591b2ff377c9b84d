import type { ChatEventType } from '../domain/chat-events.js';
import type { Chat, publicMessage } from '../domain/model.js';

export type WebhookEventType = ChatEventType | 'message.created';

/** What a receiver gets: the contract's `{id, type, siteId, occurredAt, chat}`, and the message of a `message.created`. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  siteId: string;
  occurredAt: string;
  chat: Chat;
  message?: ReturnType<typeof publicMessage>;
}
