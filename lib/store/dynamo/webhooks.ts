import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { WebhookDelivery } from '../../domain/model.js';
import { sitePk } from '../entities/site.js';
import {
  WEBHOOK_DELIVERY_KEPT_SECONDS,
  WEBHOOK_DELIVERY_SK_PREFIX,
  webhookDeliveryFromItem,
  webhookDeliveryItem,
} from '../entities/webhook-delivery.js';
import { CAPACITY, type DynamoContext } from './context.js';

/** The attempt's outcome replaces the event's previous one (one item per event). */
export async function recordWebhookDelivery(ctx: DynamoContext, siteId: string, delivery: WebhookDelivery): Promise<void> {
  const expiresAt = Math.floor(Date.parse(delivery.lastAttemptAt) / 1000) + WEBHOOK_DELIVERY_KEPT_SECONDS;
  await ctx.doc.send(new PutCommand({ TableName: ctx.tableName, Item: webhookDeliveryItem(siteId, delivery, expiresAt), ...CAPACITY }));
}

/** The site's latest deliveries, newest event first. */
export async function listWebhookDeliveries(ctx: DynamoContext, siteId: string, limit: number): Promise<WebhookDelivery[]> {
  const { Items = [] } = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': sitePk(siteId), ':prefix': WEBHOOK_DELIVERY_SK_PREFIX },
      ScanIndexForward: false,
      Limit: limit,
      ...CAPACITY,
    }),
  );
  return Items.map(webhookDeliveryFromItem);
}
