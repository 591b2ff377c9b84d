import type { Operator } from '../../lib/domain/model.js';
import type { SettingsPatch } from '../../lib/domain/schemas.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { createSite, updateSettings } from '../../lib/engine/sites.js';
import { startChat, type StartChatResult } from '../../lib/engine/start-chat.js';

export const operatorIds = (count: number) => Array.from({ length: count }, (_, i) => `op${i + 1}`);

/** A site with `count` operators op1..opN, all set online (which counts as a heartbeat) unless told otherwise. */
export async function siteWithOperators(
  deps: EngineDeps,
  count: number,
  options: { settings?: SettingsPatch; maxChats?: number | null; online?: boolean } = {},
) {
  const { siteId } = await createSite(deps, { name: 'Test site' });
  const ids = operatorIds(count);
  for (const id of ids) {
    await upsertOperator(deps, siteId, id, { name: `Operator ${id}`, maxChats: options.maxChats ?? null });
    if (options.online !== false) await setOperatorStatus(deps, siteId, id, 'online');
  }
  if (options.settings) await updateSettings(deps, siteId, options.settings);
  return { siteId, ids };
}

export function chatFor(
  deps: EngineDeps,
  siteId: string,
  extra: { operatorId?: string; clientType?: 'regular' | 'target'; visitorId?: string } = {},
) {
  return startChat(deps, siteId, { visitorId: `v-${Math.random().toString(36).slice(2, 10)}`, clientType: 'regular', ...extra });
}

export function assigneeOf(result: StartChatResult): string | null {
  return result.chat.operatorId;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

export const byId = (operators: readonly Operator[]) => new Map(operators.map((operator) => [operator.id, operator]));
