import { STALE_GRACE_MS } from '../../lib/domain/availability.js';
import type { Operator } from '../../lib/domain/model.js';
import { hashToken } from '../../lib/domain/ids.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { keepRandomSlot } from '../../lib/engine/random-slots.js';
import { requireSite } from '../../lib/engine/sites.js';

/** Runs `run` over `items`, at most `size` at a time; results in input order. */
export async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    const batch = items.slice(start, start + size);
    results.push(...(await Promise.all(batch.map((item, offset) => run(item, start + offset)))));
  }
  return results;
}

/**
 * Adds many online operators fast, for the scale tests: each is written with the same two store
 * calls the engine ends in (createOperator, then setStatus online, which counts as a heartbeat at
 * `heartbeatAtMs`), skipping the engine's extra reads, and random mode's slots only when asked; `groups` must exist. The site's current heartbeat timeout is
 * used, as upsertOperator does. Only for a site whose operators are all new (turn 0).
 */
export async function addOnlineOperators(
  deps: EngineDeps,
  siteId: string,
  ids: readonly string[],
  options: { heartbeatAtMs?: number; concurrency?: number; maxChats?: number | null; groups?: string[]; randomSlots?: boolean } = {},
): Promise<void> {
  const site = await requireSite(deps, siteId);
  const nowMs = options.heartbeatAtMs ?? deps.clock();
  await inBatches(ids, options.concurrency ?? 100, async (id) => {
    const operator: Operator = {
      siteId,
      id,
      name: `Operator ${id}`,
      avatarUrl: null,
      status: 'offline',
      maxChats: options.maxChats ?? null,
      activeChats: 0,
      lastAssignedAt: null,
      heartbeatAtMs: null,
      assigned: 0,
      turn: 0,
      incarnation: `i-${id}`,
      groups: options.groups ?? [],
      missed: 0,
      missedInARow: 0,
    };
    const record = { operator, tokenHash: hashToken(`token-${siteId}-${id}`), version: 0 };
    if (!(await deps.store.createOperator(record, site.settings.heartbeatTimeoutSeconds, new Date(nowMs).toISOString())).written) {
      throw new Error(`operator ${id} already exists, or a group of it does not`);
    }
    // Its first liveness check at the end of its heartbeat's grace, as if its chain had moved there (no message is sent).
    const checkAtMs = nowMs + site.settings.heartbeatTimeoutSeconds * 1000 + STALE_GRACE_MS;
    if (!(await deps.store.setStatus(record, { status: 'online', turn: 0, nowMs, checkAtMs }))) {
      throw new Error(`operator ${id} changed while it was being set online`);
    }
  });
  // Random mode's slots, as the engine keeps them after a status write: one after another, since
  // every join of a site writes its count.
  if (options.randomSlots) for (const id of ids) await keepRandomSlot(deps, siteId, id);
}
