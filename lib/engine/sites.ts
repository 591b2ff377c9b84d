import { invalidRequest, siteNotFound } from '../domain/errors.js';
import { hashToken, newSiteId, newToken } from '../domain/ids.js';
import type { Settings } from '../domain/model.js';
import type { CreateSiteInput, SettingsPatch } from '../domain/schemas.js';
import { applySettingsPatch, initialSettings, newlyNamedDefaults } from '../domain/settings.js';
import type { SiteRecord } from '../store/port.js';
import type { EngineDeps } from './deps.js';

/** `platformTokenHash`: of the platform token that asked (the API passes it; tests and the demo seed need not). */
export async function createSite(deps: EngineDeps, input: CreateSiteInput, platformTokenHash?: string) {
  const siteId = newSiteId();
  const adminToken = newToken();
  const settings = initialSettings(siteId, input);
  await deps.store.createSite({ settings, adminTokenHash: hashToken(adminToken) }, new Date(deps.clock()).toISOString(), platformTokenHash);
  return { siteId, adminToken, settings };
}

export async function requireSite(deps: EngineDeps, siteId: string): Promise<SiteRecord> {
  const site = await deps.store.getSite(siteId);
  if (!site) throw siteNotFound();
  return site;
}

export async function updateSettings(deps: EngineDeps, siteId: string, patch: SettingsPatch): Promise<Settings> {
  const site = await requireSite(deps, siteId);
  const next = applySettingsPatch(site.settings, patch);
  // Checked in the same transaction as the write, so a default can't name an operator deleted meanwhile.
  const { missingOperator } = await deps.store.saveSettings(next, site.settings, newlyNamedDefaults(patch));
  if (missingOperator) throw invalidRequest(`defaultOperators: no operator "${missingOperator}" on this site`);
  return next;
}
