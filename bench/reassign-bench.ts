/**
 * No-answer reassignment, as `npm start` runs it: answer deadlines held by the in-process delay
 * queue and delivered to the deadline handler, the taken-back chats routed again by the
 * dispatcher on the table's stream. Latency: from a chat's deadline (its assignment plus the
 * answer timeout) to its next assignment.
 */
import { randomUUID } from 'node:crypto';
import { ensureTable, LOCAL_CLIENT_CONFIG } from '../infra/local/dynamodb-local.js';
import { startStreamReader } from '../infra/local/stream-reader.js';
import { InProcessDeadlineQueue } from '../lib/deadlines/in-process-queue.js';
import type { Chat } from '../lib/domain/model.js';
import type { EngineDeps } from '../lib/engine/deps.js';
import { handleDeadline } from '../lib/engine/handle-deadline.js';
import { setOperatorStatus, upsertOperator } from '../lib/engine/operators.js';
import { createSite, updateSettings } from '../lib/engine/sites.js';
import { startChat } from '../lib/engine/start-chat.js';
import { dispatchBatch, DISPATCH_FILTER_PATTERNS } from '../lib/jobs/dispatch-waiting-chats.js';
import { documentClient, dynamoStore } from '../lib/store/dynamo-store.js';
import { meterRequests } from '../lib/store/dynamo/request-meter.js';

const TIMEOUT_SECONDS = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * `chats` chats go to one operator who never answers; `answering` others are free. At the
 * answer timeout every chat is taken back and goes to one of the others.
 */
export async function noAnswerReassignment(endpoint: string, chats = 50, answering = 10) {
  const tableName = `bench-reassign-${randomUUID()}`;
  await ensureTable(endpoint, tableName);
  const client = () => documentClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
  const queue = new InProcessDeadlineQueue();
  const deps: EngineDeps = { store: dynamoStore(client(), tableName), clock: Date.now, random: Math.random, deadlines: queue };
  const handlerDoc = client();
  const handlerMeter = meterRequests(handlerDoc);
  const handlerDeps: EngineDeps = { ...deps, store: dynamoStore(handlerDoc, tableName) };
  const dispatcherDoc = client();
  const dispatcherMeter = meterRequests(dispatcherDoc);
  const dispatcherDeps: EngineDeps = { ...deps, store: dynamoStore(dispatcherDoc, tableName) };
  const reader = await startStreamReader({ endpoint, tableName, filterPatterns: DISPATCH_FILTER_PATTERNS, invoke: (event) => dispatchBatch(dispatcherDeps, event) });
  let takenBack = 0;
  queue.consume(async (due) => {
    for (const deadline of due) if ((await handleDeadline(handlerDeps, deadline)).takenBack === true) takenBack += 1;
  });
  try {
    const { siteId } = await createSite(deps, { name: 'Reassign bench' });
    const ids = ['absent', ...Array.from({ length: answering }, (_, i) => `op${i + 1}`)];
    for (const id of ids) {
      await upsertOperator(deps, siteId, id, { name: id });
      await setOperatorStatus(deps, siteId, id, 'online');
    }
    await updateSettings(deps, siteId, { answerTimeoutSeconds: TIMEOUT_SECONDS, allowVisitorChoice: true, heartbeatTimeoutSeconds: 3600 });
    const started: Chat[] = [];
    for (let i = 0; i < chats; i += 1) started.push((await startChat(deps, siteId, { visitorId: `v${i}`, clientType: 'regular', operatorId: 'absent' })).chat);
    await reader.drained();
    dispatcherMeter.reset();
    handlerMeter.reset();
    // Until every chat has its next operator (the deadlines come TIMEOUT_SECONDS after the starts).
    const deadlineAt = new Map(started.map((chat) => [chat.id, Date.parse(chat.assignedAt!) + TIMEOUT_SECONDS * 1000]));
    let again: Chat[] = [];
    const giveUpAt = Date.now() + (TIMEOUT_SECONDS + 60) * 1000;
    while (Date.now() < giveUpAt) {
      await reader.drained();
      again = (await Promise.all(started.map(async (chat) => (await deps.store.getChat(siteId, chat.id))!.chat))).filter(
        (chat) => chat.status === 'assigned' && chat.operatorId !== 'absent',
      );
      if (again.length === chats) break;
    }
    const latencies = again.map((chat) => Date.parse(chat.assignedAt!) - deadlineAt.get(chat.id)!).sort((a, b) => a - b);
    return {
      reassignChats: chats,
      reassigned: again.length,
      reassignP50Ms: percentile(latencies, 50),
      reassignP99Ms: percentile(latencies, 99),
      reassignMaxMs: latencies.at(-1) ?? 0,
      requestsPerTakeBack: handlerMeter.snapshot().requests / Math.max(1, takenBack),
      dispatchRequestsPerReassignment: dispatcherMeter.snapshot().requests / Math.max(1, again.length),
    };
  } finally {
    queue.consume(undefined);
    queue.stop();
    await reader.stop();
  }
}
