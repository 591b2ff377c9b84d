import type { Deadline } from '../deadlines/deadline.js';
import type { Chat, Settings } from '../domain/model.js';
import { answerDueAtMs } from '../domain/settings.js';
import { logger } from '../http/logger.js';
import type { EngineDeps } from './deps.js';

type Assigned = Pick<Chat, 'siteId' | 'id' | 'operatorId' | 'assignedAt'>;

/** The moment an assigned chat is taken back unless accepted; null when the site sets no answer timeout. */
export function answerDeadline(settings: Pick<Settings, 'answerTimeoutSeconds'>, chat: Assigned): Extract<Deadline, { kind: 'answer-timeout' }> | null {
  const dueAtMs = chat.assignedAt ? answerDueAtMs(settings, Date.parse(chat.assignedAt)) : null;
  if (dueAtMs === null || !chat.operatorId || !chat.assignedAt) return null;
  return {
    kind: 'answer-timeout',
    siteId: chat.siteId,
    chatId: chat.id,
    operatorId: chat.operatorId,
    assignedAt: chat.assignedAt,
    dueAtMs,
  };
}

/**
 * Sends the answer deadline of each chat just assigned. The assignment has committed, so a
 * failed send is logged, not thrown: the chat stays with its operator until accepted or closed
 * (or until the operator leaves, which routes it again).
 */
export async function scheduleAnswerDeadlines(deps: EngineDeps, settings: Settings, chats: readonly Assigned[]): Promise<void> {
  const nowMs = deps.clock();
  await Promise.all(
    chats.map(async (chat) => {
      const deadline = answerDeadline(settings, chat);
      if (!deadline) return;
      await deps.deadlines
        .schedule(deadline, nowMs)
        .catch((error: unknown) => logger.warn('answer deadline not sent', { chatId: chat.id, error }));
    }),
  );
}
