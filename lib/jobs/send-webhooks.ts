import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { WebhookDeliveryState } from '../domain/model.js';
import type { EngineDeps } from '../engine/deps.js';
import { STRICT_WEBHOOK_POLICY } from '../engine/webhooks.js';
import { logger } from '../http/logger.js';
import type { Grants } from '../http/route.js';
import { runtime } from '../runtime.js';
import { webhookTargetOf } from '../webhooks/address-policy.js';
import { retryDelaySeconds, WEBHOOK_MAX_RECEIVES } from '../webhooks/backoff.js';
import type { WebhookEvent } from '../webhooks/event.js';
import { postWebhook, type PostResult } from '../webhooks/post.js';
import type { WebhookQueue } from '../webhooks/queue.js';
import { webhookSecretFor } from '../webhooks/secret.js';
import { SIGNATURE_HEADER, signatureOf } from '../webhooks/signature.js';

export interface SenderDeps {
  deps: EngineDeps;
  queue: WebhookQueue;
  webhookKey(): Promise<string>;
}

class DeliveryFailed extends Error {}

/**
 * One delivery: to the site's URL as it is now (a changed URL or a rotated secret applies to
 * events still queued; a removed URL drops them), signed, checked for a public address at
 * this moment. Its outcome is recorded for the admin page; a failed one comes back after its
 * backoff, and after WEBHOOK_MAX_RECEIVES it goes to the dead-letter queue.
 */
async function deliver({ deps, queue, webhookKey }: SenderDeps, record: SQSRecord): Promise<void> {
  const event = JSON.parse(record.body) as WebhookEvent;
  const attempt = Number(record.attributes.ApproximateReceiveCount ?? 1);
  const site = await deps.store.getSite(event.siteId);
  const url = site?.settings.webhookUrl;
  if (!site || !url || !site.webhookSeed) {
    logger.info('webhook dropped: the site has no webhook URL now', { eventId: event.id, siteId: event.siteId });
    return;
  }
  const policy = deps.webhookPolicy ?? STRICT_WEBHOOK_POLICY;
  const target = webhookTargetOf(url, policy.allowLocal);
  let result: PostResult;
  if (typeof target === 'string') result = { status: null, error: target };
  else {
    const body = JSON.stringify(event);
    const secret = webhookSecretFor(await webhookKey(), site.settings.siteId, site.webhookSeed);
    const signature = signatureOf(secret, body, Math.floor(deps.clock() / 1000));
    result = await postWebhook(target, body, { [SIGNATURE_HEADER]: signature, 'Webhook-Id': event.id }, policy.resolve);
  }
  const delivered = result.error === null;
  const lastAttempt = attempt >= WEBHOOK_MAX_RECEIVES;
  const state: WebhookDeliveryState = delivered ? 'delivered' : lastAttempt ? 'failed' : 'retrying';
  await deps.store.recordWebhookDelivery(event.siteId, {
    eventId: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    state,
    attempts: attempt,
    responseStatus: result.status,
    error: result.error,
    lastAttemptAt: new Date(deps.clock()).toISOString(),
  });
  if (delivered) return;
  logger.warn('webhook delivery failed', { eventId: event.id, siteId: event.siteId, attempt, state, error: result.error });
  if (!lastAttempt) await queue.retryLater(record.receiptHandle, retryDelaySeconds(attempt));
  throw new DeliveryFailed(result.error ?? 'not delivered');
}

/** The deliveries of a batch, side by side: a slow receiver holds up only its own. */
export function sendWebhooks(sender: SenderDeps, event: SQSEvent, context?: Context) {
  // A batch that all failed is reported as such, not thrown: each failed record already asked for its own retry delay.
  return processPartialResponse(event, (record: SQSRecord) => deliver(sender, record), new BatchProcessor(EventType.SQS), {
    ...(context ? { context } : {}),
    throwOnFullBatchFailure: false,
  });
}

/** The webhook sender: the webhook queue's consumer (an SQS event source; locally the in-process queue). */
export const webhookSenderJob = {
  name: 'send-webhooks',
  // Reads the site (URL, secret seed), records each delivery, delays a failed one's retry; derives the secret from the service's key.
  grants: { table: ['GetItem', 'PutItem'], webhooks: 'deliver', webhookKey: true } satisfies Grants,
  handler: () =>
    middy<SQSEvent, unknown, Error, Context>()
      .use(injectLambdaContext(logger))
      .handler((event, context) => {
        const rt = runtime();
        return sendWebhooks({ deps: rt.deps, queue: rt.webhooks, webhookKey: () => rt.webhookKey() }, event, context);
      }),
};
