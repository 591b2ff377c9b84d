import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InProcessDeadlineQueue } from '../../lib/deadlines/in-process-queue.js';
import type { Chat, Operator } from '../../lib/domain/model.js';
import { listOpenChats, requireChat } from '../../lib/engine/chats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { handleDeadline } from '../../lib/engine/handle-deadline.js';
import { deleteOperator, listOperators, setOperatorStatus } from '../../lib/engine/operators.js';
import { listQueue } from '../../lib/engine/queue.js';
import { acceptChatFor, LEFT_CHATS_PAGE } from '../../lib/engine/reassign.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { startTestDispatcher } from '../support/dispatcher.js';
import { isolatedTable, testEngine } from '../support/engine.js';
import { siteWithOperators } from '../support/fixtures.js';

/**
 * The whole loop as it runs in AWS and in `npm start`: answer deadlines delivered by the delay
 * queue to the deadline handler, take-backs and departures routed again by the dispatcher on
 * the table's stream. The service's clock runs SPEED times faster than real time (and the
 * queue's delays shrink with it), so a 10 s answer timeout passes in 2.5 s.
 */
const SPEED = 4;
let deps: EngineDeps;
let deadlines: InProcessDeadlineQueue;
let dispatcher: Awaited<ReturnType<typeof startTestDispatcher>>;

beforeAll(async () => {
  const engine = testEngine({ tableName: await isolatedTable('reassign') });
  const start = Date.now();
  deadlines = new InProcessDeadlineQueue(SPEED);
  deps = { ...engine.deps, clock: () => start + (Date.now() - start) * SPEED, deadlines };
  dispatcher = await startTestDispatcher(() => deps, engine.tableName);
  deadlines.consume(async (due) => {
    for (const deadline of due) await handleDeadline(deps, deadline);
  });
});

afterAll(async () => {
  deadlines.consume(undefined);
  deadlines.stop();
  await dispatcher.reader.stop();
});

/** Waits for what the stream and the deadlines bring about (in real time; at most 40 s). */
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 40_000, interval: 200 });

let visitors = 0;
const visitor = () => `v${(visitors += 1)}`;
const principal = (siteId: string, operatorId: string) => ({ role: 'operator' as const, siteId, operatorId });

async function site(operators: number, answerTimeoutSeconds: number | null) {
  return (
    await siteWithOperators(deps, operators, {
      // Heartbeats are not sent here: a timeout long enough for the test's sped-up hour.
      settings: { answerTimeoutSeconds, heartbeatTimeoutSeconds: 3600, maxWaitSeconds: 86_400, allowVisitorChoice: true },
    })
  ).siteId;
}

const chatsOf = (siteId: string, ids: readonly string[]) => Promise.all(ids.map(async (id) => (await requireChat(deps, siteId, id)).chat));
const operatorsById = async (siteId: string) => new Map((await listOperators(deps, siteId)).map((operator) => [operator.id, operator] as [string, Operator]));

/** The operators' consoles: each accepts every chat it holds that it has not accepted yet. */
async function acceptAll(siteId: string, operatorIds: readonly string[]) {
  for (const operatorId of operatorIds) {
    for (const chat of await listOpenChats(deps, siteId, operatorId)) {
      if (!chat.acceptedAt) await acceptChatFor(deps, siteId, chat.id, principal(siteId, operatorId)).catch(() => undefined);
    }
  }
}

describe('no answer, live', () => {
  it('100 chats, 5 operators of whom 2 never accept: every chat ends accepted by the other 3, none stranded, missedBy and counters exact', async () => {
    const siteId = await site(5, 20);
    const answering = ['op1', 'op2', 'op3'];
    const started: Chat[] = [];
    for (let wave = 0; wave < 4; wave += 1) {
      started.push(...(await Promise.all(Array.from({ length: 25 }, () => startChat(deps, siteId, { visitorId: visitor(), clientType: 'regular' })))).map((result) => result.chat));
      // The answering operators pick up what they got well within the timeout.
      await acceptAll(siteId, answering);
    }
    // The queue order spreads them over all five: op4 and op5 hold some, unanswered.
    expect(started.filter((chat) => chat.operatorId === 'op4' || chat.operatorId === 'op5').length).toBeGreaterThan(0);
    const ids = started.map((chat) => chat.id);

    await settled(async () => {
      await acceptAll(siteId, answering);
      const chats = await chatsOf(siteId, ids);
      expect(chats.filter((chat) => !(chat.status === 'assigned' && chat.acceptedAt && answering.includes(chat.operatorId!))).map((chat) => chat.id)).toEqual([]);
    });

    const chats = await chatsOf(siteId, ids);
    const operators = await operatorsById(siteId);
    for (const chat of chats) {
      expect(new Set(chat.missedBy).size).toBe(chat.missedBy.length);
      for (const missedBy of chat.missedBy) expect(['op4', 'op5']).toContain(missedBy);
    }
    for (const id of ['op4', 'op5']) {
      const missed = chats.filter((chat) => chat.missedBy.includes(id)).length;
      expect(operators.get(id), id).toMatchObject({ activeChats: 0, missed, missedInARow: missed });
    }
    expect(answering.map((id) => operators.get(id)!.missed)).toEqual([0, 0, 0]);
    expect(answering.reduce((sum, id) => sum + operators.get(id)!.activeChats, 0)).toBe(100);
    expect(await listQueue(deps, siteId)).toEqual([]);
  });

  it('an operator going offline, or deleted, loses its unaccepted chats (a page at a time) at once; accepted ones stay', async () => {
    const siteId = await site(3, null);
    const held: Chat[] = [];
    for (let i = 0; i < LEFT_CHATS_PAGE * 2 + 5; i += 1) held.push((await startChat(deps, siteId, { visitorId: visitor(), clientType: 'regular', operatorId: 'op1' })).chat);
    const kept = held.slice(0, 3);
    for (const chat of kept) await acceptChatFor(deps, siteId, chat.id, principal(siteId, 'op1'));
    const unaccepted = held.slice(3).map((chat) => chat.id);

    await setOperatorStatus(deps, siteId, 'op1', 'offline');
    await settled(async () => {
      const chats = await chatsOf(siteId, unaccepted);
      expect(chats.filter((chat) => chat.status !== 'assigned' || chat.operatorId === 'op1')).toEqual([]);
    });
    for (const chat of await chatsOf(siteId, unaccepted)) expect(chat).toMatchObject({ missedBy: [], assignedBy: 'queue' });
    expect(await chatsOf(siteId, kept.map((chat) => chat.id))).toEqual(kept.map((chat) => expect.objectContaining({ operatorId: 'op1', status: 'assigned' })));
    const operators = await operatorsById(siteId);
    expect([operators.get('op1')!.activeChats, operators.get('op1')!.missed]).toEqual([3, 0]);

    // op2's chats (none accepted) go to op3 when op2 is deleted.
    const ofOp2 = (await listOpenChats(deps, siteId, 'op2')).map((chat) => chat.id);
    expect(ofOp2.length).toBeGreaterThan(0);
    await deleteOperator(deps, siteId, 'op2');
    await settled(async () => expect((await chatsOf(siteId, ofOp2)).map((chat) => chat.operatorId)).toEqual(ofOp2.map(() => 'op3')));
    expect((await operatorsById(siteId)).get('op3')!.activeChats).toBe(unaccepted.length);
  });
});
