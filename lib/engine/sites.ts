import { applyHeartbeatTimeout } from './heartbeat-timeout.js';
import { invalidRequest, siteNotFound } from '../domain/errors.js';
import { hashToken, newSiteId, newToken } from '../domain/ids.js';
import type { Settings } from '../domain/model.js';
import type { CreateSiteInput, SettingsPatch } from '../domain/schemas.js';
import { applySettingsPatch, initialSettings, newlyNamedDefaults } from '../domain/settings.js';
import { COUNTED_FROM_THE_START } from '../domain/stat-counters.js';
import type { SiteRecord } from '../store/port.js';
import { newWebhookSeed, webhookSecretFor } from '../webhooks/secret.js';
import type { EngineDeps } from './deps.js';
import { checkWebhookUrl } from './webhooks.js';

/** `platformTokenHash`: of the platform token that asked (the API passes it; tests and the demo seed need not). */
export async function createSite(deps: EngineDeps, input: CreateSiteInput, platformTokenHash?: string) {
  const siteId = newSiteId();
  const adminToken = newToken();
  const settings = initialSettings(siteId, input);
  const site = { settings, adminTokenHash: hashToken(adminToken), webhookSeed: null, countedFrom: COUNTED_FROM_THE_START };
  await deps.store.createSite(site, new Date(deps.clock()).toISOString(), platformTokenHash);
  return { siteId, adminToken, settings };
}

export async function requireSite(deps: EngineDeps, siteId: string): Promise<SiteRecord> {
  const site = await deps.store.getSite(siteId);
  if (!site) throw siteNotFound();
  return site;
}

/**
 * The settings after a partial update. A webhook URL set where there was none comes with a new
 * signing secret, returned this once (`webhookKey` gives the service's key it is derived from).
 */
export async function updateSettings(
  deps: EngineDeps,
  siteId: string,
  patch: SettingsPatch,
  webhookKey?: () => Promise<string>,
): Promise<Settings & { webhookSecret?: string }> {
  if (patch.webhookUrl) await checkWebhookUrl(deps, patch.webhookUrl);
  const site = await requireSite(deps, siteId);
  const next = applySettingsPatch(site.settings, patch);
  const firstUrl = Boolean(patch.webhookUrl) && site.settings.webhookUrl === null;
  if (firstUrl && !webhookKey) throw new Error('A webhook URL is set without the service key to derive its secret');
  const seed = firstUrl ? newWebhookSeed() : undefined;
  const serviceKey = seed && webhookKey ? await webhookKey() : undefined;
  // Checked in the same transaction as the write, so a default can't name an operator deleted meanwhile.
  const { missingOperator } = await deps.store.saveSettings(next, site.settings, newlyNamedDefaults(patch), seed);
  if (missingOperator) throw invalidRequest(`defaultOperators: no operator "${missingOperator}" on this site`);
  // Also when unchanged: a retried update finishes what a failed one left.
  if (patch.heartbeatTimeoutSeconds !== undefined) await applyHeartbeatTimeout(deps, next);
  return seed && serviceKey ? { ...next, webhookSecret: webhookSecretFor(serviceKey, siteId, seed) } : next;
}
