import { InProcessDeadlineQueue } from '../lib/deadlines/in-process-queue.js';
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, LOCAL_CLIENT_CONFIG } from '../infra/local/dynamodb-local.js';
import type { DistributionMode } from '../lib/domain/distribution/index.js';
import type { EngineDeps } from '../lib/engine/deps.js';
import { recordHeartbeat, setOperatorStatus, upsertOperator } from '../lib/engine/operators.js';
import { putGroup } from '../lib/engine/groups.js';
import { createSite, updateSettings } from '../lib/engine/sites.js';
import { startChat } from '../lib/engine/start-chat.js';
import { runLivenessCheck, sweepStaleOperators } from '../lib/engine/liveness.js';
import type { LivenessCheck } from '../lib/store/port.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { startChatOnce, type StartChatRuntime } from '../lib/http/idempotent-start.js';
import { ClaimingPersistenceLayer } from '../lib/http/idempotency-store.js';
import { documentClient, dynamoStore } from '../lib/store/dynamo-store.js';
import { meterRequests } from '../lib/store/dynamo/request-meter.js';

const WRITES = ['TransactWriteItemsCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'];

export interface Harness {
  deps: EngineDeps;
  /** What an idempotent chat start runs on: the same deps, and the idempotency table on the same (metered) client. */
  idempotent: StartChatRuntime;
  meter: ReturnType<typeof meterRequests>;
  clock: { now: number };
  /** The metered client and the table, for seeding. */
  doc: DynamoDBDocumentClient;
  tableName: string;
}

export async function harness(endpoint: string): Promise<Harness> {
  const tableName = `bench-${randomUUID()}`;
  await ensureTable(endpoint, tableName, `${tableName}-idempotency`);
  // One client for both tables, as in lib/runtime.ts: the meter counts the idempotency table's requests too.
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
  const doc = documentClient(client);
  const meter = meterRequests(doc);
  const clock = { now: Date.now() };
  // A clock that moves a millisecond per reading, so every assignment has its own time.
  const deps: EngineDeps = { store: dynamoStore(doc, tableName), clock: () => clock.now++, random: Math.random, deadlines: new InProcessDeadlineQueue() };
  const idempotencyStore = new ClaimingPersistenceLayer({ tableName: `${tableName}-idempotency`, awsSdkV3Client: client });
  return { deps, idempotent: { deps, idempotencyStore }, meter, clock, doc, tableName };
}

/** A Lambda context as the start-chat function has it (the in-progress record expires with it). */
const LAMBDA_CONTEXT = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

async function siteWith(deps: EngineDeps, operators: number, options: { timeoutSeconds?: number; mode?: DistributionMode } = {}) {
  const { siteId } = await createSite(deps, { name: 'Bench site' });
  if (options.timeoutSeconds) await updateSettings(deps, siteId, { heartbeatTimeoutSeconds: options.timeoutSeconds });
  if (options.mode) await updateSettings(deps, siteId, { distribution: options.mode });
  const ids = Array.from({ length: operators }, (_, i) => `op${i + 1}`);
  for (let start = 0; start < ids.length; start += 25) {
    await Promise.all(
      ids.slice(start, start + 25).map(async (id) => {
        await upsertOperator(deps, siteId, id, { name: `Operator ${id}` });
        await setOperatorStatus(deps, siteId, id, 'online');
      }),
    );
  }
  return { siteId, ids };
}

const chat = (deps: EngineDeps, siteId: string) =>
  startChat(deps, siteId, { visitorId: `v${Math.floor(Math.random() * 1e9)}`, clientType: 'regular' });

const writesIn = (byCommand: Record<string, number>) => WRITES.reduce((sum, name) => sum + (byCommand[name] ?? 0), 0);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Sequential chat starts on a site of 10 operators: DynamoDB requests per assignment. */
export async function uncontended(h: Harness, chats = 200, mode: DistributionMode = 'queue') {
  const { siteId } = await siteWith(h.deps, 10, { mode });
  h.meter.reset();
  for (let i = 0; i < chats; i += 1) await chat(h.deps, siteId);
  const totals = h.meter.snapshot();
  const suffix = mode === 'queue' ? '' : suffixOf(mode);
  return {
    [`requestsPerAssignment${suffix}`]: totals.requests / chats,
    [`readsPerAssignment${suffix}`]: ((totals.byCommand.QueryCommand ?? 0) + (totals.byCommand.GetItemCommand ?? 0)) / chats,
    [`writesPerAssignment${suffix}`]: writesIn(totals.byCommand) / chats,
  };
}

/**
 * Sequential chat starts with an Idempotency-Key each (as the widget sends), on a site of 10
 * operators: DynamoDB requests per assignment, the idempotency table's included; then a repeat
 * of each (the stored reply).
 */
export async function uncontendedIdempotent(h: Harness, chats = 200) {
  const { siteId } = await siteWith(h.deps, 10);
  const keys = Array.from({ length: chats }, () => randomUUID());
  const request = (i: number) => ({ visitorId: `idem-v${i}` });
  h.meter.reset();
  for (let i = 0; i < chats; i += 1) {
    const { chat } = await startChatOnce(h.idempotent, siteId, request(i), keys[i]!, LAMBDA_CONTEXT);
    if (chat.status !== 'assigned') throw new Error(`bench: an idempotent start was not assigned (${chat.status})`);
  }
  const starts = h.meter.snapshot();
  h.meter.reset();
  for (let i = 0; i < chats; i += 1) await startChatOnce(h.idempotent, siteId, request(i), keys[i]!, LAMBDA_CONTEXT);
  const repeats = h.meter.snapshot();
  return {
    requestsPerIdempotentAssignment: starts.requests / chats,
    requestsPerIdempotentRepeat: repeats.requests / chats,
  };
}

/** 'least-busy' → 'LeastBusy', for figure names. */
const suffixOf = (mode: DistributionMode) => mode.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

/** 50 simultaneous chat starts on one site of 10 operators, repeated: write attempts and spread. */
export async function burst(h: Harness, rounds = 10, size = 50, mode: DistributionMode = 'queue') {
  let writes = 0;
  let reads = 0;
  let worstSpread = 0;
  for (let round = 0; round < rounds; round += 1) {
    const { siteId } = await siteWith(h.deps, 10, { mode });
    h.meter.reset();
    const results = await Promise.all(Array.from({ length: size }, () => chat(h.deps, siteId)));
    const totals = h.meter.snapshot();
    writes += writesIn(totals.byCommand);
    reads += (totals.byCommand.QueryCommand ?? 0) + (totals.byCommand.GetItemCommand ?? 0);
    const counts = new Map<string, number>();
    for (const result of results) counts.set(result.chat.operatorId ?? '-', (counts.get(result.chat.operatorId ?? '-') ?? 0) + 1);
    worstSpread = Math.max(worstSpread, Math.max(...counts.values()) - Math.min(...counts.values()));
  }
  const suffix = mode === 'queue' ? '' : suffixOf(mode);
  return {
    [`writesPerAssignmentBurst50${suffix}`]: writes / (rounds * size),
    [`readsPerAssignmentBurst50${suffix}`]: reads / (rounds * size),
    [`spreadBurst50${suffix}`]: worstSpread,
  };
}

/**
 * Consumed read capacity per assignment on a site of `operators` operators, in steady state:
 * every operator has had a chat before the measurement starts.
 */
async function readCapacityPerAssignment(h: Harness, operators: number, chats = 100, mode: DistributionMode = 'queue') {
  const { siteId } = await siteWith(h.deps, operators, { mode });
  for (let i = 0; i < operators; i += 1) await chat(h.deps, siteId);
  h.meter.reset();
  for (let i = 0; i < chats; i += 1) await chat(h.deps, siteId);
  return h.meter.snapshot().readCapacity / chats;
}

export async function readCapacityScaling(h: Harness, mode: DistributionMode = 'queue') {
  const small = await readCapacityPerAssignment(h, 10, 100, mode);
  const large = await readCapacityPerAssignment(h, 1000, 100, mode);
  const suffix = mode === 'queue' ? '' : suffixOf(mode);
  return {
    [`readCapacityPerAssignment10${suffix}`]: small,
    [`readCapacityPerAssignment1000${suffix}`]: large,
    [`readCapacityRatio1000vs10${suffix}`]: large / small,
  };
}

/**
 * A group of 10 among 1,000 operators: sequential group chats, in steady state (every member has
 * had a chat), against a site of 10 read the same way. What the group's own partition buys: the
 * requests and read capacity do not grow with the site.
 */
export async function groupRouting(h: Harness, chats = 100) {
  const { siteId } = await createSite(h.deps, { name: 'Bench site with a desk' });
  await putGroup(h.deps, siteId, 'desk', { name: 'Desk' });
  const ids = Array.from({ length: 1000 }, (_, i) => `op${i + 1}`);
  for (let start = 0; start < ids.length; start += 25) {
    await Promise.all(
      ids.slice(start, start + 25).map(async (id, offset) => {
        // Every hundredth operator is of the desk: ten members spread over the site's queue.
        const member = (start + offset) % 100 === 0;
        await upsertOperator(h.deps, siteId, id, { name: `Operator ${id}`, ...(member ? { groups: ['desk'] } : {}) });
        await setOperatorStatus(h.deps, siteId, id, 'online');
      }),
    );
  }
  const groupChat = () => startChat(h.deps, siteId, { visitorId: `v${Math.floor(Math.random() * 1e9)}`, clientType: 'regular', group: 'desk' });
  for (let i = 0; i < 10; i += 1) await groupChat();
  h.meter.reset();
  const assignees = new Set<string>();
  for (let i = 0; i < chats; i += 1) {
    const started = await groupChat();
    if (started.chat.status === 'assigned') assignees.add(started.chat.operatorId!);
  }
  const totals = h.meter.snapshot();
  const site10 = await readCapacityPerAssignment(h, 10);
  const perAssignment = totals.readCapacity / chats;
  return {
    groupRequestsPerAssignment: totals.requests / chats,
    groupReadCapacityPerAssignment: perAssignment,
    groupReadCapacityRatioVsSite10: perAssignment / site10,
    groupMembersAssigned: assignees.size,
  };
}

/** The liveness checks due now, delivered as the deadline queue does (`except`: whose messages were lost). */
async function deliverDueChecks(h: Harness, except: (check: LivenessCheck) => boolean = () => false) {
  const { checks } = await h.deps.store.dueLivenessChecks(h.clock.now);
  const delivered = checks.filter((check) => !except(check));
  for (let start = 0; start < delivered.length; start += 50) {
    await Promise.all(delivered.slice(start, start + 50).map((check) => runLivenessCheck(h.deps, check)));
  }
  return delivered.length;
}

/**
 * 2,000 online operators on 10 sites, 20 of them with stale heartbeats whose check messages were
 * lost: what the sweep reads (the others' checks were delivered and moved on).
 */
export async function staleSweep(endpoint: string) {
  const h = await harness(endpoint);
  // One site after another: operators coming online at once on one site take turns on its count of random-mode slots.
  const sites = [];
  for (let site = 0; site < 10; site += 1) sites.push(await siteWith(h.deps, 200, { timeoutSeconds: 90 }));
  const everyone = sites.flatMap(({ siteId, ids }) => ids.map((id) => ({ siteId, id })));
  const stale = new Set(everyone.filter((_, i) => i % 100 === 0).map(({ siteId, id }) => `${siteId}/${id}`));
  const lost = (check: LivenessCheck) => stale.has(`${check.siteId}/${check.operatorId}`);
  // The first checks (5 s after coming online) find everyone live and move on to the end of the grace.
  h.clock.now += 6_000;
  await deliverDueChecks(h);
  h.clock.now += 74_000;
  const live = everyone.filter(({ siteId, id }) => !stale.has(`${siteId}/${id}`));
  for (let start = 0; start < live.length; start += 50) {
    await Promise.all(live.slice(start, start + 50).map(({ siteId, id }) => recordHeartbeat(h.deps, siteId, id)));
  }
  // Past the stale ones' 90 s and their 30 s grace: the live operators' checks come and move on;
  // the stale ones' messages are lost.
  h.clock.now += 45_000;
  h.meter.reset();
  const checksDelivered = await deliverDueChecks(h, lost);
  const checks = h.meter.snapshot();
  h.meter.reset();
  const result = await sweepStaleOperators(h.deps);
  const totals = h.meter.snapshot();
  return {
    staleSweepOperators: everyone.length,
    staleSweepStale: stale.size,
    staleSweepItemsRead: result.itemsRead,
    staleSweepMarkedOffline: result.markedOffline,
    staleSweepRequests: totals.requests,
    livenessChecksDelivered: checksDelivered,
    writeUnitsPerLivenessCheck: Number((checks.writeCapacity / checksDelivered).toFixed(2)),
  };
}

/** Milliseconds per chat start at a given concurrency (for information; noisy on a shared machine). */
export async function latency(h: Harness, concurrency: number, total = 200) {
  const { siteId } = await siteWith(h.deps, 10);
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next += 1;
      const started = performance.now();
      await chat(h.deps, siteId);
      times.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}
