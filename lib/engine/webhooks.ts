import { invalidRequest, siteNotFound } from '../domain/errors.js';
import type { WebhookDelivery } from '../domain/model.js';
import { webhookTargetOf } from '../webhooks/address-policy.js';
import { safeAddressesOf, systemResolve, UnsafeTargetError, type Resolve } from '../webhooks/post.js';
import { newWebhookSeed, webhookSecretFor } from '../webhooks/secret.js';
import type { EngineDeps } from './deps.js';

/** Where webhooks may go: local receivers only in the local stack; host names resolved with `resolve`. */
export interface WebhookTargetPolicy {
  allowLocal: boolean;
  resolve: Resolve;
}

export const STRICT_WEBHOOK_POLICY: WebhookTargetPolicy = { allowLocal: false, resolve: systemResolve };

const policyOf = (deps: EngineDeps) => deps.webhookPolicy ?? STRICT_WEBHOOK_POLICY;

/** A URL the admin sets: https (or local where allowed), and every address its host has is public; else a 400. */
export async function checkWebhookUrl(deps: EngineDeps, url: string): Promise<void> {
  const policy = policyOf(deps);
  const target = webhookTargetOf(url, policy.allowLocal);
  if (typeof target === 'string') throw invalidRequest(target);
  try {
    await safeAddressesOf(target, policy.resolve);
  } catch (error) {
    if (error instanceof UnsafeTargetError) throw invalidRequest(error.message);
    throw error;
  }
}

/** The site's new signing secret (the old one stops signing at once): `POST …/webhook-secret`. */
export async function rotateWebhookSecret(deps: EngineDeps, siteId: string, serviceKey: string): Promise<string> {
  const seed = newWebhookSeed();
  if (!(await deps.store.setWebhookSeed(siteId, seed))) throw siteNotFound();
  return webhookSecretFor(serviceKey, siteId, seed);
}

/** How many deliveries the admin page shows. */
export const DELIVERIES_LISTED = 50;

export const listWebhookDeliveries = (deps: EngineDeps, siteId: string): Promise<WebhookDelivery[]> =>
  deps.store.listWebhookDeliveries(siteId, DELIVERIES_LISTED);
