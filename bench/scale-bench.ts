/**
 * Scale: bursts far above a site's operators, a site of 10,000 operators, and what an assigned
 * chat costs in write capacity. Every figure is a count (attempts, capacity units, chats lost or
 * doubled), stable on a noisy machine.
 */
import { timeOrderedIdFloor } from '../lib/domain/ids.js';
import { DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, type Chat, type Operator } from '../lib/domain/model.js';
import type { EngineDeps } from '../lib/engine/deps.js';
import { recordHeartbeat, setOperatorStatus, upsertOperator } from '../lib/engine/operators.js';
import { createSite, updateSettings } from '../lib/engine/sites.js';
import { widgetView } from '../lib/engine/widget.js';
import { startChat } from '../lib/engine/start-chat.js';
import { addOnlineOperators } from '../test/support/bulk.js';
import type { Harness } from './engine-bench.js';

const WRITES = ['TransactWriteItemsCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'];
const writesIn = (byCommand: Record<string, number>) => WRITES.reduce((sum, name) => sum + (byCommand[name] ?? 0), 0);

/**
 * A site of online operators, set online through the engine (with random mode's slots); a large
 * one (`bulk`) by the two store writes the engine ends in and without slots, since operators
 * coming online at once on one site take turns on its count of slots.
 */
async function siteOf(deps: EngineDeps, operators: number, maxChats: number | null, options: { bulk?: boolean } = {}) {
  const { siteId } = await createSite(deps, { name: 'Scale bench' });
  const ids = Array.from({ length: operators }, (_, i) => `op${i + 1}`);
  if (options.bulk) {
    await addOnlineOperators(deps, siteId, ids, { maxChats, concurrency: 50 });
    return siteId;
  }
  for (let start = 0; start < ids.length; start += 50) {
    await Promise.all(
      ids.slice(start, start + 50).map(async (id) => {
        await upsertOperator(deps, siteId, id, { name: id, maxChats });
        await setOperatorStatus(deps, siteId, id, 'online');
      }),
    );
  }
  return siteId;
}

/** Every chat of the site (ids are time-ordered: all of time is one key range). */
const allChats = (deps: EngineDeps, siteId: string) =>
  deps.store.listChats(siteId, { fromId: timeOrderedIdFloor(0), toId: timeOrderedIdFloor(Date.now() + 3_600_000) });

const start = (deps: EngineDeps, siteId: string, i: number) => startChat(deps, siteId, { visitorId: `s${i}-${Math.random().toString(36).slice(2)}`, clientType: 'regular' });

/** Chats each operator holds by the chats' own records, against the operators' counters and limits. */
function capacityCheck(chats: readonly Chat[], operators: readonly Operator[]) {
  const held = new Map<string, number>();
  for (const chat of chats) if (chat.status === 'assigned') held.set(chat.operatorId!, (held.get(chat.operatorId!) ?? 0) + 1);
  let overCapacity = 0;
  let miscounted = 0;
  for (const operator of operators) {
    const count = held.get(operator.id) ?? 0;
    if (operator.maxChats !== null && count > operator.maxChats) overCapacity += 1;
    if (count !== operator.activeChats) miscounted += 1;
  }
  return { overCapacity, miscounted };
}

/** 200 simultaneous chat starts on 10 operators with room for exactly 200: attempts per assignment, and nobody over capacity. */
export async function burst200(h: Harness) {
  const siteId = await siteOf(h.deps, 10, 20);
  h.meter.reset();
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => start(h.deps, siteId, i)));
  const totals = h.meter.snapshot();
  const chats = await allChats(h.deps, siteId);
  const { overCapacity, miscounted } = capacityCheck(chats, await h.deps.store.listOperators(siteId));
  return {
    writesPerAssignmentBurst200: writesIn(totals.byCommand) / 200,
    assignedBurst200: results.filter((result) => result.chat.status === 'assigned').length,
    overCapacityBurst200: overCapacity + miscounted,
  };
}

/**
 * 1,000 simultaneous chat starts on 10 operators with room for 50: every chat is assigned or
 * waits (none lost), no operator goes over its limit, no chat is given twice.
 */
export async function burst1000WithQueue(h: Harness) {
  const siteId = await siteOf(h.deps, 10, 5);
  h.meter.reset();
  const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => start(h.deps, siteId, i)));
  const totals = h.meter.snapshot();
  const chats = await allChats(h.deps, siteId);
  const { overCapacity, miscounted } = capacityCheck(chats, await h.deps.store.listOperators(siteId));
  const replied = new Map(results.map((result) => [result.chat.id, result.chat.status]));
  const stored = new Map(chats.map((chat) => [chat.id, chat.status]));
  const lost = [...replied.keys()].filter((id) => !stored.has(id)).length + [...replied.values()].filter((status) => status !== 'assigned' && status !== 'waiting').length;
  const waitingEntries = await h.deps.store.countWaiting(siteId, 10_000);
  return {
    lostBurst1000: lost + Math.abs(waitingEntries - [...stored.values()].filter((status) => status === 'waiting').length),
    overCapacityBurst1000: overCapacity,
    doubleAssignmentsBurst1000: miscounted,
    assignedBurst1000: chats.filter((chat) => chat.status === 'assigned').length,
    waitingBurst1000: waitingEntries,
    writesPerChatBurst1000: writesIn(totals.byCommand) / 1000,
  };
}

/** Sequential chat starts on a site of 10,000 operators: requests per assignment (the same 2 as on a site of 10). */
export async function site10000(h: Harness, chats = 100) {
  const siteId = await siteOf(h.deps, 10_000, null, { bulk: true });
  h.meter.reset();
  for (let i = 0; i < chats; i += 1) await start(h.deps, siteId, i);
  const totals = h.meter.snapshot();
  return { requestsPerAssignment10000: totals.requests / chats, readCapacityPerAssignment10000: totals.readCapacity / chats };
}

/** Write capacity per assigned chat, uncontended, as DynamoDB reports it (the table and every index it writes). */
export async function writeCapacityPerChat(h: Harness, chats = 200) {
  const siteId = await siteOf(h.deps, 10, null);
  h.meter.reset();
  for (let i = 0; i < chats; i += 1) await start(h.deps, siteId, i);
  return { wcuPerAssignedChat: h.meter.snapshot().writeCapacity / chats };
}

/** How often the operator console beats (web/src/console/console.ts: every 20 s at most). */
const CONSOLE_HEARTBEAT_SECONDS = 20;

/**
 * What grows with a site's operators (issue 16's goals in brackets): a widget load on a site of
 * 10,000 online operators (≤ 2 read units), a random-mode chat start among 1,000 (≤ 2), and a
 * heartbeat (≤ 2 write units).
 */
export async function costsThatGrowWithOperators(h: Harness) {
  const big = await siteOf(h.deps, 10_000, null, { bulk: true });
  h.meter.reset();
  await widgetView(h.deps, big);
  const widgetReadUnits10000 = h.meter.snapshot().readCapacity;

  const randomSite = await siteOf(h.deps, 1000, null);
  await updateSettings(h.deps, randomSite, { distribution: 'random' });
  h.meter.reset();
  for (let i = 0; i < 20; i += 1) await start(h.deps, randomSite, i);
  const randomReadUnitsPerChat1000 = h.meter.snapshot().readCapacity / 20;

  h.meter.reset();
  for (let i = 1; i <= 100; i += 1) await recordHeartbeat(h.deps, randomSite, `op${i}`);
  const heartbeatWriteUnits = h.meter.snapshot().writeCapacity / 100;

  // A liveness check that finds the operator live and moves its next one on (once per heartbeat
  // timeout per operator: with the console's beat every 20 s and the default 90 s, once per 4.5 beats).
  const { checks } = await h.deps.store.dueLivenessChecks(Number.MAX_SAFE_INTEGER);
  const ofSite = checks.filter((check) => check.siteId === randomSite).slice(0, 100);
  h.meter.reset();
  for (const check of ofSite) {
    if ((await h.deps.store.checkLiveness(check, check.dueAtMs)).kind !== 'rearmed') throw new Error('a live operator was not rearmed');
  }
  const livenessCheckWriteUnits = h.meter.snapshot().writeCapacity / ofSite.length;
  const heartbeatWriteUnitsWithChecks = heartbeatWriteUnits + livenessCheckWriteUnits / (DEFAULT_HEARTBEAT_TIMEOUT_SECONDS / CONSOLE_HEARTBEAT_SECONDS);
  return { widgetReadUnits10000, randomReadUnitsPerChat1000, heartbeatWriteUnits, livenessCheckWriteUnits, heartbeatWriteUnitsWithChecks };
}
