import { InProcessDeadlineQueue } from '../lib/deadlines/in-process-queue.js';
/**
 * The waiting queue: event → assignment latency with the dispatcher on the table's stream (the
 * local stream reader, as `npm start` runs it), order and capacity under concurrent closes, and
 * what a dispatch costs as the queue grows.
 */
import { randomUUID } from 'node:crypto';
import { ensureTable, LOCAL_CLIENT_CONFIG } from '../infra/local/dynamodb-local.js';
import { startStreamReader } from '../infra/local/stream-reader.js';
import type { Chat } from '../lib/domain/model.js';
import { hashToken, newChatToken, timeOrderedId } from '../lib/domain/ids.js';
import type { EngineDeps } from '../lib/engine/deps.js';
import { setOperatorStatus, upsertOperator } from '../lib/engine/operators.js';
import { createSite } from '../lib/engine/sites.js';
import { startChat } from '../lib/engine/start-chat.js';
import { dispatchBatch, DISPATCH_FILTER_PATTERNS } from '../lib/jobs/dispatch-waiting-chats.js';
import { documentClient, dynamoStore } from '../lib/store/dynamo-store.js';
import { meterRequests } from '../lib/store/dynamo/request-meter.js';

const WRITES = ['TransactWriteItemsCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** A table of its own with the dispatcher on its stream; the dispatcher's requests metered apart. */
async function queueHarness(endpoint: string) {
  const tableName = `bench-queue-${randomUUID()}`;
  await ensureTable(endpoint, tableName);
  const client = () => documentClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
  const doc = client();
  const deps: EngineDeps = { store: dynamoStore(doc, tableName), clock: Date.now, random: Math.random, deadlines: new InProcessDeadlineQueue() };
  const dispatcherDoc = client();
  const meter = meterRequests(dispatcherDoc);
  const dispatcherDeps: EngineDeps = { store: dynamoStore(dispatcherDoc, tableName), clock: Date.now, random: Math.random, deadlines: new InProcessDeadlineQueue() };
  const reader = await startStreamReader({
    endpoint,
    tableName,
    filterPatterns: DISPATCH_FILTER_PATTERNS,
    invoke: (event) => dispatchBatch(dispatcherDeps, event),
  });
  return { deps, meter, reader };
}

async function siteWithBusyOperators(deps: EngineDeps, operators: number, maxChats: number) {
  const { siteId } = await createSite(deps, { name: 'Queue bench' });
  const ids = Array.from({ length: operators }, (_, i) => `op${i + 1}`);
  for (const id of ids) {
    await upsertOperator(deps, siteId, id, { name: id, maxChats });
    await setOperatorStatus(deps, siteId, id, 'online');
  }
  const chats = (count: number) =>
    Promise.all(Array.from({ length: count }, (_, i) => startChat(deps, siteId, { visitorId: `busy${i}`, clientType: 'regular' })));
  await chats(operators * maxChats);
  return { siteId, ids };
}

/** `count` waiting chats, written as a chat start writes them (oldest first, a millisecond apart). */
async function waitingChats(deps: EngineDeps, siteId: string, count: number): Promise<string[]> {
  const start = Date.now() - count;
  const ids: string[] = [];
  for (let from = 0; from < count; from += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - from) }, async (_, offset) => {
        const i = from + offset;
        const createdMs = start + i;
        const id = timeOrderedId(createdMs);
        ids[i] = id;
        const chat: Chat = {
          id,
          siteId,
          visitorId: `w${i}`,
          clientType: 'regular',
          status: 'waiting',
          operatorId: null,
          assignedBy: null,
          createdAt: new Date(createdMs).toISOString(),
          closedAt: null,
          group: null,
          assignedAt: null,
          acceptedAt: null,
          missedBy: [],
          contact: { name: null, email: null },
        };
        await deps.store.recordWaitingChat(chat, hashToken(newChatToken(id)), null);
      }),
    );
  }
  return ids;
}

/** Each operator closes one chat, all at once; returns when each close was sent, by operator. */
async function closeOnePerOperator(deps: EngineDeps, siteId: string, ids: string[], closes: Map<string, number[]>) {
  await Promise.all(
    ids.map(async (operatorId) => {
      const operator = (await deps.store.getOperator(siteId, operatorId))!.operator;
      const [open] = await deps.store.listOpenChats(siteId, operatorId, operator.incarnation);
      if (!open) return;
      const record = (await deps.store.getChat(siteId, open.id))!;
      const sentAt = Date.now();
      const outcome = await deps.store.closeChat(record, new Date(sentAt).toISOString());
      if (typeof outcome === 'object') closes.set(operatorId, [...(closes.get(operatorId) ?? []), sentAt]);
    }),
  );
}

/**
 * 500 chats wait on a site of 20 operators (maxChats 2, all full); in waves, every operator closes
 * a chat at once, and the dispatcher on the stream gives each freed slot the oldest waiting chat.
 * Latency: from the close (sent) to the assignment of the chat that took its slot.
 */
export async function queueDispatch(endpoint: string, operators = 20, maxChats = 2, waiting = 500) {
  const h = await queueHarness(endpoint);
  try {
    const { siteId, ids } = await siteWithBusyOperators(h.deps, operators, maxChats);
    const waitingIds = await waitingChats(h.deps, siteId, waiting);
    await h.reader.drained();
    h.meter.reset();
    const closes = new Map<string, number[]>();
    let overCapacity = 0;
    for (let wave = 0; wave * operators < waiting; wave += 1) {
      await closeOnePerOperator(h.deps, siteId, ids, closes);
      await h.reader.drained();
      for (const operator of await h.deps.store.listOperators(siteId)) {
        if (operator.maxChats !== null && operator.activeChats > operator.maxChats) overCapacity += 1;
        const open = await h.deps.store.listOpenChats(siteId, operator.id, operator.incarnation);
        if (operator.maxChats !== null && open.length > operator.maxChats) overCapacity += 1;
      }
    }
    const totals = h.meter.snapshot();
    const chats = await Promise.all(waitingIds.map(async (id) => (await h.deps.store.getChat(siteId, id))!.chat));
    const assigned = chats.filter((chat) => chat.assignedAt !== null);
    // The i-th assignment an operator got from the queue took the slot its i-th close freed.
    const latencies: number[] = [];
    for (const operatorId of ids) {
      const got = assigned
        .filter((chat) => chat.operatorId === operatorId)
        .map((chat) => Date.parse(chat.assignedAt!))
        .sort((a, b) => a - b);
      const freed = closes.get(operatorId) ?? [];
      got.forEach((at, i) => latencies.push(at - freed[i]!));
    }
    latencies.sort((a, b) => a - b);
    // An inversion: a younger chat assigned strictly before an older one (all were waiting from the start).
    let inversions = 0;
    let latestSoFar = -Infinity;
    for (const chat of chats) {
      const at = chat.assignedAt ? Date.parse(chat.assignedAt) : Infinity;
      if (at < latestSoFar) inversions += 1;
      latestSoFar = Math.max(latestSoFar, at);
    }
    return {
      queueWaitingChats: waiting,
      queueAssigned: assigned.length,
      queueDispatchP50Ms: percentile(latencies, 50),
      queueDispatchP99Ms: percentile(latencies, 99),
      queueDispatchMaxMs: latencies.at(-1) ?? 0,
      queueOrderInversions: inversions,
      queueOverCapacity: overCapacity,
      dispatchRequestsPerAssignment: totals.requests / Math.max(1, assigned.length),
      dispatchWritesPerAssignment: WRITES.reduce((sum, name) => sum + (totals.byCommand[name] ?? 0), 0) / Math.max(1, assigned.length),
    };
  } finally {
    await h.reader.stop();
  }
}

/** Read capacity the dispatcher consumes per chat it assigns, with `waiting` chats in the queue. */
async function dispatchReads(endpoint: string, waiting: number, operators = 20) {
  const h = await queueHarness(endpoint);
  try {
    const { siteId, ids } = await siteWithBusyOperators(h.deps, operators, 1);
    await waitingChats(h.deps, siteId, waiting);
    await h.reader.drained();
    h.meter.reset();
    for (let wave = 0; wave < 2; wave += 1) {
      await closeOnePerOperator(h.deps, siteId, ids, new Map());
      await h.reader.drained();
    }
    const totals = h.meter.snapshot();
    const assigned = waiting - (await h.deps.store.countWaiting(siteId, waiting));
    return { reads: totals.readCapacity / Math.max(1, assigned), assigned };
  } finally {
    await h.reader.stop();
  }
}

export async function dispatchCostScaling(endpoint: string) {
  const small = await dispatchReads(endpoint, 50);
  const large = await dispatchReads(endpoint, 5000);
  return {
    dispatchReadCapacityPerAssignment50: small.reads,
    dispatchReadCapacityPerAssignment5000: large.reads,
    dispatchReadsRatio5000vs50: large.reads / small.reads,
  };
}
