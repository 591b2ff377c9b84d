import { hasLiveHeartbeat } from '../domain/availability.js';
import { siteNotFound } from '../domain/errors.js';
import { displayedAvatar } from '../domain/model.js';
import { ok, type Reply } from '../http/api-event.js';
import type { Runtime } from '../runtime.js';
import type { SiteRecord } from '../store/records.js';

/** What the widget shows: operators online or away with live heartbeats, with the avatar to show. */
export async function widgetReply(rt: Runtime, site: SiteRecord | null | undefined): Promise<Reply> {
  if (!site) throw siteNotFound();
  const { settings } = site;
  const nowMs = rt.deps.clock();
  const operators = (await rt.deps.store.listOperators(settings.siteId))
    .filter((operator) => operator.status !== 'offline' && hasLiveHeartbeat(operator, settings, nowMs))
    .map((operator) => ({
      id: operator.id,
      name: operator.name,
      avatarUrl: displayedAvatar(operator, settings),
      status: operator.status,
    }));
  return ok({ allowVisitorChoice: settings.allowVisitorChoice, sharedAvatarUrl: settings.sharedAvatarUrl, operators });
}
