/**
 * The last delivery of a webhook event: SITE#<siteId> / HOOK#<occurredAt>#<eventId>, rewritten
 * at each attempt and expiring a week after it (TTL), so the site's partition holds its recent
 * deliveries newest last, for the admin page.
 */
import type { WebhookDelivery, WebhookDeliveryState } from '../../domain/model.js';
import { itemMapper, nullable, value, type EntityDefinition, type Item } from './attributes.js';
import { sitePk } from './site.js';

export const WEBHOOK_DELIVERY_SK_PREFIX = 'HOOK#';
/** How long a delivery stays listed. */
export const WEBHOOK_DELIVERY_KEPT_SECONDS = 7 * 24 * 60 * 60;

export const webhookDeliveryKey = (siteId: string, occurredAt: string, eventId: string) => ({
  pk: sitePk(siteId),
  sk: `${WEBHOOK_DELIVERY_SK_PREFIX}${occurredAt}#${eventId}`,
});

const deliveryMapper = itemMapper<WebhookDelivery>({
  eventId: value<string>(),
  type: value<string>().storedAs('eventType'),
  occurredAt: value<string>(),
  state: value<WebhookDeliveryState>(),
  attempts: value<number>(),
  responseStatus: nullable<number>(),
  error: nullable<string>(),
  lastAttemptAt: value<string>(),
});

export const WEBHOOK_DELIVERY = { type: 'webhook-delivery', indexes: {} } as const satisfies EntityDefinition;

export function webhookDeliveryItem(siteId: string, delivery: WebhookDelivery, expiresAt: number): Item {
  return {
    ...webhookDeliveryKey(siteId, delivery.occurredAt, delivery.eventId),
    type: WEBHOOK_DELIVERY.type,
    ...deliveryMapper.write(delivery),
    expiresAt,
  };
}

export const webhookDeliveryFromItem = (item: Item): WebhookDelivery => deliveryMapper.read(item);
