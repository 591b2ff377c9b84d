import { timeOrderedIdFloor } from '../domain/ids.js';
import { chatStats, type SiteStats } from '../domain/stats.js';
import type { EngineDeps } from './deps.js';
import { requireSite } from './sites.js';

/** Chats are keyed by time-ordered ids, so a period is a key range; open ends take all time. */
export async function siteStats(deps: EngineDeps, siteId: string, period: { from?: Date; to?: Date }): Promise<SiteStats> {
  await requireSite(deps, siteId);
  const fromId = timeOrderedIdFloor(period.from?.getTime() ?? 0);
  // The floor of the next millisecond after `to` keeps chats created at `to` itself.
  const toId = timeOrderedIdFloor((period.to?.getTime() ?? deps.clock() + 1000) + 1);
  const [chats, operators] = await Promise.all([
    deps.store.listChats(siteId, { fromId, toId }),
    deps.store.listOperators(siteId),
  ]);
  return chatStats(
    chats,
    operators.map((operator) => operator.id),
  );
}
