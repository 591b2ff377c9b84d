import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import { dispatchBatch } from '../../lib/jobs/dispatch-waiting-chats.js';
import { listOperators, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { listQueue, queuePlace } from '../../lib/engine/queue.js';
import { repairQueues } from '../../lib/engine/repair-queue.js';
import { updateSettings } from '../../lib/engine/sites.js';
import type { StartChatResult } from '../../lib/engine/start-chat.js';
import { startTestDispatcher } from '../support/dispatcher.js';
import { isolatedTable, testDocumentClient, testEngine, type TestEngine } from '../support/engine.js';
import { chatFor, countBy, siteWithOperators } from '../support/fixtures.js';

let engine: TestEngine;
let deps: EngineDeps;
let dispatcher: Awaited<ReturnType<typeof startTestDispatcher>>;
/** What the dispatcher runs on: a test may swap it (to inject a fault). */
let dispatcherDeps: () => EngineDeps;

beforeAll(async () => {
  engine = testEngine({ tableName: await isolatedTable('queue') });
  deps = { ...engine.deps, clock: engine.clock.ticking };
  dispatcherDeps = () => deps;
  dispatcher = await startTestDispatcher(() => dispatcherDeps(), engine.tableName);
});

afterAll(() => dispatcher.reader.stop());

/**
 * Waits until the dispatcher's work shows (the check passes), or fails after 20 s: a stream
 * record may become readable a while after its write, as in AWS.
 */
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 20_000, interval: 100 });

const waitingIn = (results: StartChatResult[]) => results.filter((result) => result.chat.status === 'waiting');

async function chatsNow(siteId: string, ids: string[]) {
  return Promise.all(ids.map(async (id) => (await requireChat(deps, siteId, id)).chat));
}

describe('the waiting queue', () => {
  it('200 chats at once, 5 operators of maxChats 2: 10 assigned, 190 waiting at 1..190; concurrent closes assign the oldest', async () => {
    const { siteId } = await siteWithOperators(deps, 5, { maxChats: 2 });

    const results = await Promise.all(Array.from({ length: 200 }, () => chatFor(deps, siteId)));

    const byStatus = countBy(results, (result) => result.chat.status);
    expect(byStatus.get('assigned')).toBe(10);
    expect(byStatus.get('waiting')).toBe(190);
    expect(waitingIn(results).every((result) => result.queue && result.queue.position >= 1 && result.queue.position <= 190)).toBe(true);
    const queue = await listQueue(deps, siteId);
    expect(queue.map((entry) => entry.position)).toEqual(Array.from({ length: 190 }, (_, i) => i + 1));
    const waitingIds = waitingIn(results)
      .map((result) => result.chat.id)
      .sort();
    expect(queue.map((entry) => entry.chatId)).toEqual(waitingIds);
    expect((await queuePlace(deps, siteId, waitingIds[41]!)).position).toBe(42);

    // Close the ten assigned chats at once: the ten oldest waiting chats take their places.
    const assigned = results.filter((result) => result.chat.status === 'assigned');
    await Promise.all(assigned.map(async (result) => closeChat(deps, await requireChat(deps, siteId, result.chat.id))));
    await settled(async () => expect((await listQueue(deps, siteId)).length).toBe(180));

    const oldest = await chatsNow(siteId, waitingIds.slice(0, 10));
    expect(oldest.map((chat) => chat.status)).toEqual(Array(10).fill('assigned'));
    expect(oldest.every((chat) => chat.assignedBy === 'queue' && chat.assignedAt !== null)).toBe(true);
    const younger = await chatsNow(siteId, waitingIds.slice(10));
    expect(younger.every((chat) => chat.status === 'waiting')).toBe(true);
    const operators = await listOperators(deps, siteId);
    expect(operators.map((operator) => operator.activeChats)).toEqual([2, 2, 2, 2, 2]);
    expect((await listQueue(deps, siteId)).map((entry) => entry.chatId)).toEqual(waitingIds.slice(10));
    // 200 starts against one DynamoDB Local: some 15 s alone, several times that beside the other suites.
  }, 180_000);

  it('an operator coming online takes waiting chats up to its capacity, oldest first', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1 });
    const first = await chatFor(deps, siteId);
    expect(first.chat.status).toBe('assigned');
    const waiting: StartChatResult[] = [];
    for (let i = 0; i < 5; i += 1) waiting.push(await chatFor(deps, siteId));
    expect(waiting.map((result) => result.queue?.position)).toEqual([1, 2, 3, 4, 5]);

    await upsertOperator(deps, siteId, 'late', { name: 'Late', maxChats: 3 });
    await setOperatorStatus(deps, siteId, 'late', 'online');
    await settled(async () => expect((await listQueue(deps, siteId)).length).toBe(2));

    const chats = await chatsNow(siteId, waiting.map((result) => result.chat.id));
    expect(chats.map((chat) => chat.operatorId)).toEqual(['late', 'late', 'late', null, null]);
    expect(chats.map((chat) => chat.status)).toEqual(['assigned', 'assigned', 'assigned', 'waiting', 'waiting']);
    // A chat assigned from the queue is its visitor's last assignment too (returning visitors).
    expect(await deps.store.lastAssignment(siteId, chats[0]!.visitorId)).toEqual({ operatorId: 'late', assignedAt: chats[0]!.assignedAt });
    expect((await queuePlace(deps, siteId, waiting[3]!.chat.id)).position).toBe(1);
  });

  it('a higher maxChats takes waiting chats at once', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1 });
    await chatFor(deps, siteId);
    const waiting = [await chatFor(deps, siteId), await chatFor(deps, siteId)];
    await upsertOperator(deps, siteId, 'op1', { name: 'Operator op1', maxChats: 2 });
    await settled(async () => expect((await listQueue(deps, siteId)).length).toBe(1));
    const chats = await chatsNow(siteId, waiting.map((result) => result.chat.id));
    expect(chats.map((chat) => chat.status)).toEqual(['assigned', 'waiting']);
  });

  it('a dispatch that fails midway is repaired by the periodic pass; replayed records change nothing', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1 });
    const first = await chatFor(deps, siteId);
    const waiting = await chatFor(deps, siteId);
    expect(waiting.chat.status).toBe('waiting');

    // The dispatcher crashes on its write: the close frees the slot, but nobody takes the chat.
    const failuresBefore = dispatcher.failures.length;
    dispatcherDeps = () => ({
      ...deps,
      store: { ...deps.store, assignWaiting: () => Promise.reject(new Error('injected crash')) },
    });
    try {
      await closeChat(deps, await requireChat(deps, siteId, first.chat.id));
      await settled(async () => expect(dispatcher.failures.length).toBeGreaterThan(failuresBefore));
    } finally {
      dispatcherDeps = () => deps;
    }
    expect((await requireChat(deps, siteId, waiting.chat.id)).chat.status).toBe('waiting');

    const repaired = await repairQueues(deps);
    expect(repaired.assigned).toBeGreaterThanOrEqual(1);
    const assigned = (await requireChat(deps, siteId, waiting.chat.id)).chat;
    expect(assigned).toMatchObject({ status: 'assigned', operatorId: 'op1' });

    // Every record the dispatcher ever saw, replayed: nothing moves.
    const before = await listOperators(deps, siteId);
    for (const batch of dispatcher.batches) await dispatchBatch(deps, batch);
    expect(await listOperators(deps, siteId)).toEqual(before);
    expect((await requireChat(deps, siteId, waiting.chat.id)).chat).toEqual(assigned);
  });

  it('maxWaitSeconds: the periodic pass turns a chat that waited too long into unassigned, and frees its visitor', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1, settings: { maxWaitSeconds: 30, maxOpenChatsPerVisitor: 1 } });
    await chatFor(deps, siteId);
    const waiting = await chatFor(deps, siteId);
    const young = await chatFor(deps, siteId);

    // The young chat is younger (by a tick or more): still within its 30 s. The pass's clock is
    // frozen: the dispatcher, still busy with this test's records, moves the ticking one on.
    const passAt = Date.parse(waiting.chat.createdAt) + 30_000;
    const { expired } = await repairQueues({ ...deps, clock: () => passAt });
    expect(expired).toBeGreaterThanOrEqual(1);
    expect((await requireChat(deps, siteId, waiting.chat.id)).chat.status).toBe('unassigned');
    expect((await requireChat(deps, siteId, young.chat.id)).chat.status).toBe('waiting');
    expect((await listQueue(deps, siteId)).map((entry) => entry.chatId)).toEqual([young.chat.id]);
    // Its visitor has no open chat any more: the limit of one lets it start another.
    const again = await chatFor(deps, siteId, { visitorId: waiting.chat.visitorId });
    expect(again.chat.status).toBe('waiting');
  });

  it('maxWaitingChats: chats beyond it are recorded unassigned', async () => {
    const { siteId } = await siteWithOperators(deps, 0, { settings: { maxWaitingChats: 3 } });
    const results = [];
    for (let i = 0; i < 5; i += 1) results.push(await chatFor(deps, siteId));
    expect(results.map((result) => result.chat.status)).toEqual(['waiting', 'waiting', 'waiting', 'unassigned', 'unassigned']);
    expect(results[3]!.queue).toBeUndefined();
  });

  it('queueEnabled false keeps the v1 behaviour: nobody available means unassigned, and nothing waits', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1, settings: { queueEnabled: false } });
    await chatFor(deps, siteId);
    const second = await chatFor(deps, siteId);
    expect(second.chat.status).toBe('unassigned');
    expect(await listQueue(deps, siteId)).toEqual([]);
  });

  it('new chats join the queue behind waiting ones instead of taking a freed slot first', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1, settings: { maxOpenChatsPerVisitor: null } });
    const first = await chatFor(deps, siteId);
    const waiting = await chatFor(deps, siteId);
    // The slot frees and a new chat arrives before any dispatcher has run.
    await dispatcher.reader.stop();
    try {
      await closeChat(deps, await requireChat(deps, siteId, first.chat.id));
      const newcomer = await chatFor(deps, siteId);
      expect(newcomer.chat.status).toBe('waiting');
      expect(newcomer.queue?.position).toBe(2);
    } finally {
      dispatcher = await startTestDispatcher(() => dispatcherDeps(), engine.tableName);
    }
    await repairQueues(deps);
    expect((await requireChat(deps, siteId, waiting.chat.id)).chat.status).toBe('assigned');
  });

  it('a close that read the chat waiting, landing after its assignment, closes the assigned chat', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1 });
    const first = await chatFor(deps, siteId);
    const waiting = await chatFor(deps, siteId);
    const readWhileWaiting = await requireChat(deps, siteId, waiting.chat.id);
    await closeChat(deps, await requireChat(deps, siteId, first.chat.id));
    await settled(async () => expect((await requireChat(deps, siteId, waiting.chat.id)).chat.status).toBe('assigned'));
    const closed = await closeChat(deps, readWhileWaiting);
    expect(closed).toMatchObject({ status: 'closed', operatorId: 'op1' });
    expect((await listOperators(deps, siteId))[0]!.activeChats).toBe(0);
  });

  it('a visitor may close a waiting chat: it leaves the queue', async () => {
    const { siteId } = await siteWithOperators(deps, 0);
    const a = await chatFor(deps, siteId);
    const b = await chatFor(deps, siteId);
    const closed = await closeChat(deps, await requireChat(deps, siteId, a.chat.id));
    expect(closed).toMatchObject({ status: 'closed' });
    expect(await listQueue(deps, siteId)).toEqual([expect.objectContaining({ chatId: b.chat.id, position: 1 })]);
    await updateSettings(deps, siteId, { name: 'still there' });
  });
});

describe('a site written before the packed settings copy', () => {
  it('is read from its own item, and its next settings update writes the copy', async () => {
    const { UpdateCommand, GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const doc = testDocumentClient();
    const { siteId } = await siteWithOperators(deps, 1);
    await doc.send(new UpdateCommand({ TableName: engine.tableName, Key: { pk: `SITE#${siteId}`, sk: 'SETTINGS' }, UpdateExpression: 'REMOVE settingsCopy' }));

    expect((await chatFor(deps, siteId)).chat.status).toBe('assigned');
    await updateSettings(deps, siteId, { maxWaitSeconds: 120 });
    const { Item } = await doc.send(new GetCommand({ TableName: engine.tableName, Key: { pk: `SITE#${siteId}`, sk: 'SETTINGS' } }));
    expect(Item?.settingsCopy).toMatchObject({ siteId, maxWaitSeconds: 120, queueEnabled: true });
    await updateSettings(deps, siteId, { maxWaitSeconds: 130 });
    const again = await doc.send(new GetCommand({ TableName: engine.tableName, Key: { pk: `SITE#${siteId}`, sk: 'SETTINGS' } }));
    expect(again.Item?.settingsCopy).toMatchObject({ maxWaitSeconds: 130 });
  });
});
