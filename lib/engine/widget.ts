import { hasLiveHeartbeat } from '../domain/availability.js';
import { siteNotFound } from '../domain/errors.js';
import { displayedAvatar } from '../domain/model.js';
import type { SiteRecord } from '../store/port.js';
import type { EngineDeps } from './deps.js';

/**
 * What the widget shows: operators online or away with live heartbeats, with the avatar to show.
 * `site` is the one the CORS check already read (undefined: read it here).
 */
export async function widgetView(deps: EngineDeps, siteId: string, site?: SiteRecord | null) {
  const found = site === undefined ? await deps.store.getSite(siteId) : site;
  if (!found) throw siteNotFound();
  const { settings } = found;
  const nowMs = deps.clock();
  const operators = (await deps.store.listOperators(settings.siteId))
    .filter((operator) => operator.status !== 'offline' && hasLiveHeartbeat(operator, settings, nowMs))
    .map((operator) => ({
      id: operator.id,
      name: operator.name,
      avatarUrl: displayedAvatar(operator, settings),
      status: operator.status as 'online' | 'away',
    }));
  return { allowVisitorChoice: settings.allowVisitorChoice, sharedAvatarUrl: settings.sharedAvatarUrl, operators };
}
