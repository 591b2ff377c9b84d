import { createSite, requireSite, updateSettings } from '../engine/sites.js';
import type { CreateSiteInput, SettingsPatch } from '../domain/schemas.js';
import type { Runtime } from '../runtime.js';
import { created, ok, type Reply } from '../http/api-event.js';

export async function createSiteReply(rt: Runtime, input: CreateSiteInput): Promise<Reply> {
  const { siteId, adminToken } = await createSite(rt.deps, input, await rt.platformTokenHash());
  return created({ siteId, adminToken });
}

export async function settingsReply(rt: Runtime, siteId: string): Promise<Reply> {
  return ok((await requireSite(rt.deps, siteId)).settings);
}

export async function updateSettingsReply(rt: Runtime, siteId: string, patch: SettingsPatch): Promise<Reply> {
  return ok(await updateSettings(rt.deps, siteId, patch));
}
