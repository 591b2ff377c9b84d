import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import type { EngineDeps } from '../engine/deps.js';
import { logger } from '../http/logger.js';
import type { Grants } from '../http/route.js';
import { runtime } from '../runtime.js';
import type { WebhookEvent } from '../webhooks/event.js';
import { CHAT_EVENT_FILTER_PATTERNS, eventsOfRecord } from '../webhooks/events-from-stream.js';
import type { WebhookQueue } from '../webhooks/queue.js';

/**
 * Turns the batch's chat and message records into events and queues those of sites that have a
 * webhook URL. Routing never waits for it: it runs on the stream, after the writes. A failure
 * fails the batch, which the event source retries whole; events queued before it go again under
 * the same ids, and receivers de-duplicate them.
 */
export async function publishWebhookEvents(deps: EngineDeps, queue: WebhookQueue, event: DynamoDBStreamEvent): Promise<number> {
  const bySite = new Map<string, ReturnType<typeof eventsOfRecord>>();
  for (const record of event.Records) {
    for (const found of eventsOfRecord(record)) bySite.set(found.siteId, [...(bySite.get(found.siteId) ?? []), found]);
  }
  let queued = 0;
  for (const [siteId, found] of bySite) {
    const site = await deps.store.getSite(siteId);
    if (!site?.settings.webhookUrl) continue;
    const events: WebhookEvent[] = [];
    for (const candidate of found) {
      const chat = candidate.chat ?? (await deps.store.getChat(siteId, candidate.message!.chatId))?.chat;
      if (chat) events.push({ ...candidate, chat });
    }
    await queue.send(events);
    queued += events.length;
  }
  return queued;
}

/** The webhook publisher: the table's stream (chats and messages) in, the webhook queue out. */
export const webhookPublisherJob = {
  name: 'publish-webhook-events',
  // Reads the site (its webhook URL) and, for a message, its chat; sends to the webhook queue.
  grants: { table: ['GetItem'], webhooks: 'publish' } satisfies Grants,
  filterPatterns: CHAT_EVENT_FILTER_PATTERNS,
  handler: () =>
    middy<DynamoDBStreamEvent, unknown, Error, Context>()
      .use(injectLambdaContext(logger))
      .handler(async (event) => {
        const { deps, webhooks } = runtime();
        const queued = await publishWebhookEvents(deps, webhooks, event);
        if (queued > 0) logger.info('webhook events queued', { queued });
      }),
};
