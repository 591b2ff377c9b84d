import { hasLiveHeartbeat, isAvailable } from '../domain/availability.js';
import { siteNotFound } from '../domain/errors.js';
import { displayedAvatar } from '../domain/model.js';
import type { SiteRecord } from '../store/port.js';
import type { EngineDeps } from './deps.js';

/**
 * What the widget shows: operators online or away with live heartbeats, with the avatar to show,
 * and the site's groups (departments) with their availability.
 * `site` is the one the CORS check already read (undefined: read it here).
 */
export async function widgetView(deps: EngineDeps, siteId: string, site?: Pick<SiteRecord, 'settings'> | null) {
  const found = site === undefined ? await deps.store.getSite(siteId) : site;
  if (!found) throw siteNotFound();
  const { settings } = found;
  const nowMs = deps.clock();
  // The most frequent read of the service, and a display only: eventually consistent, half the read units.
  const [all, groups] = await Promise.all([deps.store.listOperators(settings.siteId, { consistent: false }), deps.store.listGroups(settings.siteId)]);
  const available = all.filter((operator) => isAvailable(operator, settings, nowMs));
  const operators = all
    .filter((operator) => operator.status !== 'offline' && hasLiveHeartbeat(operator, settings, nowMs))
    .map((operator) => ({
      id: operator.id,
      name: operator.name,
      avatarUrl: displayedAvatar(operator, settings),
      status: operator.status as 'online' | 'away',
    }));
  return {
    allowVisitorChoice: settings.allowVisitorChoice,
    sharedAvatarUrl: settings.sharedAvatarUrl,
    language: settings.language,
    operators,
    // The departments a visitor may choose, and whether someone of each could take a chat now.
    groups: groups.map((group) => ({
      id: group.id,
      name: group.name,
      available: available.some((operator) => operator.groups.includes(group.id)),
    })),
  };
}
