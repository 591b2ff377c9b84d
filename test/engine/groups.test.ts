import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Operator } from '../../lib/domain/model.js';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { handleDeadline } from '../../lib/engine/handle-deadline.js';
import { deleteGroup, putGroup } from '../../lib/engine/groups.js';
import { listOperators, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { listQueue } from '../../lib/engine/queue.js';
import { repairQueues } from '../../lib/engine/repair-queue.js';
import { createSite, updateSettings } from '../../lib/engine/sites.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { memberKey } from '../../lib/store/entities/group.js';
import { operatorFromItem } from '../../lib/store/entities/operator.js';
import { expectDomainError } from '../support/domain.js';
import { startTestDispatcher } from '../support/dispatcher.js';
import { isolatedTable, testDocumentClient, testEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
let deps: EngineDeps;
let dispatcher: Awaited<ReturnType<typeof startTestDispatcher>>;

beforeAll(async () => {
  engine = testEngine({ tableName: await isolatedTable('groups') });
  // Real time: fallbacks are deadlines that come due in real seconds, as in AWS.
  deps = { ...engine.deps, clock: Date.now };
  dispatcher = await startTestDispatcher(() => deps, engine.tableName);
  engine.deadlines.consume(async (due) => {
    for (const deadline of due) await handleDeadline(deps, deadline);
  });
});

afterAll(async () => {
  engine.deadlines.consume(undefined);
  engine.deadlines.stop();
  await dispatcher.reader.stop();
});

/** Waits until the dispatcher's (or a deadline's) work shows: stream records and deadlines arrive when they arrive. */
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 20_000, interval: 100 });

const visitor = () => `v-${Math.random().toString(36).slice(2, 10)}`;
const groupChat = (siteId: string, group: string, extra: { operatorId?: string; visitorId?: string } = {}) =>
  startChat(deps, siteId, { visitorId: visitor(), clientType: 'regular', group, ...extra });
const anyChat = (siteId: string) => startChat(deps, siteId, { visitorId: visitor(), clientType: 'regular' });

/**
 * A site with operators op1..opN (online unless `offline` names them), `groups` naming each
 * group's members, each group created first with its fallback.
 */
async function siteWithGroups(options: {
  operators: number;
  groups: Record<string, { members: string[]; fallbackAfterSeconds?: number | null }>;
  offline?: string[];
  maxChats?: number | null;
}) {
  const { siteId } = await createSite(deps, { name: 'Groups' });
  for (const [groupId, group] of Object.entries(options.groups)) {
    await putGroup(deps, siteId, groupId, { name: groupId, fallbackAfterSeconds: group.fallbackAfterSeconds ?? null });
  }
  const ids = Array.from({ length: options.operators }, (_, i) => `op${i + 1}`);
  for (const id of ids) {
    const groups = Object.entries(options.groups)
      .filter(([, group]) => group.members.includes(id))
      .map(([groupId]) => groupId);
    await upsertOperator(deps, siteId, id, { name: id, groups, maxChats: options.maxChats ?? null });
    if (!options.offline?.includes(id)) await setOperatorStatus(deps, siteId, id, 'online');
  }
  return siteId;
}

const doc = testDocumentClient();

/** The operator's copy in a group, as stored. */
async function copyOf(siteId: string, groupId: string, operatorId: string): Promise<Operator | null> {
  const { Item } = await doc.send(new GetCommand({ TableName: engine.tableName, Key: memberKey(siteId, groupId, operatorId), ConsistentRead: true }));
  return Item ? operatorFromItem(Item) : null;
}

/** Every copy holds what its operator holds (but the heartbeat, which copies do not follow). */
async function expectCopiesInStep(siteId: string) {
  for (const operator of await listOperators(deps, siteId)) {
    for (const groupId of operator.groups) {
      const copy = await copyOf(siteId, groupId, operator.id);
      expect(copy, `${operator.id} in ${groupId}`).toEqual({ ...operator, heartbeatAtMs: null });
    }
  }
}

describe('groups (departments)', () => {
  it('a group chat goes only to operators of the group, in queue order within it; a chat without one to anyone', async () => {
    const siteId = await siteWithGroups({ operators: 4, groups: { sales: { members: ['op1', 'op2'] } } });
    const assignees: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const started = await groupChat(siteId, 'sales');
      expect(started.chat).toMatchObject({ status: 'assigned', group: 'sales', assignedBy: 'queue' });
      assignees.push(started.chat.operatorId!);
    }
    expect(new Set(assignees)).toEqual(new Set(['op1', 'op2']));
    // Queue order within the group: the two alternate.
    for (let i = 2; i < assignees.length; i += 1) expect(assignees[i]).toBe(assignees[i - 2]);
    // op3 and op4 have had nothing: a chat for anyone goes to one of them first.
    expect(['op3', 'op4']).toContain((await anyChat(siteId)).chat.operatorId);
    await expectCopiesInStep(siteId);
  });

  it('least-busy within the group: the member with the fewest open chats', async () => {
    const siteId = await siteWithGroups({ operators: 3, groups: { support: { members: ['op2', 'op3'] } } });
    await updateSettings(deps, siteId, { distribution: 'least-busy' });
    const first = await groupChat(siteId, 'support');
    const second = await groupChat(siteId, 'support');
    expect(new Set([first.chat.operatorId, second.chat.operatorId])).toEqual(new Set(['op2', 'op3']));
    expect(first.chat.assignedBy).toBe('least-busy');
    await closeChat(deps, await requireChat(deps, siteId, first.chat.id));
    expect((await groupChat(siteId, 'support')).chat.operatorId).toBe(first.chat.operatorId);
  });

  it('an unknown group is a 404 and writes nothing; a chosen operator outside the group is unavailable for it', async () => {
    const siteId = await siteWithGroups({ operators: 2, groups: { sales: { members: ['op1'] } } });
    await expectDomainError(groupChat(siteId, 'nope'), 404, 'group_not_found');
    await updateSettings(deps, siteId, { allowVisitorChoice: true });
    await expectDomainError(groupChat(siteId, 'sales', { operatorId: 'op2' }), 409, 'operator_unavailable');
    expect((await groupChat(siteId, 'sales', { operatorId: 'op1' })).chat).toMatchObject({ operatorId: 'op1', assignedBy: 'visitor' });
    expect((await listOperators(deps, siteId)).map((operator) => operator.activeChats)).toEqual([1, 0]);
  });

  it("a default operator or a returning visitor's operator is used only when it belongs to the group", async () => {
    const siteId = await siteWithGroups({ operators: 3, groups: { sales: { members: ['op1', 'op2'] } } });
    await updateSettings(deps, siteId, { defaultOperators: { regular: 'op3' }, returningVisitorDays: 30 });
    const outside = await groupChat(siteId, 'sales');
    expect(outside.chat.assignedBy).toBe('queue');
    expect(['op1', 'op2']).toContain(outside.chat.operatorId);

    await updateSettings(deps, siteId, { defaultOperators: { regular: null }, allowVisitorChoice: true });
    const regular = visitor();
    const firstVisit = await startChat(deps, siteId, { visitorId: regular, clientType: 'regular', group: 'sales' });
    // The returning visitor's operator is in the group: it goes back to them.
    const again = await startChat(deps, siteId, { visitorId: regular, clientType: 'regular', group: 'sales' });
    expect(again.chat).toMatchObject({ operatorId: firstVisit.chat.operatorId, assignedBy: 'returning' });
    // A visitor whose last operator (op3, chosen) is outside the group gets the group's distribution.
    const stranger = visitor();
    expect((await startChat(deps, siteId, { visitorId: stranger, clientType: 'regular', operatorId: 'op3' })).chat.operatorId).toBe('op3');
    const inGroup = await startChat(deps, siteId, { visitorId: stranger, clientType: 'regular', group: 'sales' });
    expect(inGroup.chat.assignedBy).toBe('queue');
    expect(['op1', 'op2']).toContain(inGroup.chat.operatorId);
    // Its last operator is now that one: without a group, it goes back to them.
    expect((await startChat(deps, siteId, { visitorId: stranger, clientType: 'regular' })).chat).toMatchObject({
      operatorId: inGroup.chat.operatorId,
      assignedBy: 'returning',
    });
  });

  it('nobody of the group available: it waits for the group while others are free; a member coming online takes it', async () => {
    const siteId = await siteWithGroups({ operators: 3, groups: { billing: { members: ['op1', 'op2'] } }, offline: ['op1', 'op2'] });
    const first = await groupChat(siteId, 'billing');
    const second = await groupChat(siteId, 'billing');
    expect([first.chat.status, second.chat.status]).toEqual(['waiting', 'waiting']);
    expect(first.queue?.position).toBe(1);
    // op3 is free but not of the group: a chat for anyone goes to op3, the group's chats wait on.
    expect((await anyChat(siteId)).chat.operatorId).toBe('op3');
    expect((await listQueue(deps, siteId)).map((entry) => [entry.chatId, entry.group])).toEqual([
      [first.chat.id, 'billing'],
      [second.chat.id, 'billing'],
    ]);

    await setOperatorStatus(deps, siteId, 'op2', 'online');
    await settled(async () => expect((await requireChat(deps, siteId, second.chat.id)).chat.status).toBe('assigned'));
    const [one, two] = await Promise.all([first, second].map(async (started) => (await requireChat(deps, siteId, started.chat.id)).chat));
    expect(one).toMatchObject({ status: 'assigned', operatorId: 'op2', group: 'billing', assignedBy: 'queue' });
    expect(two).toMatchObject({ status: 'assigned', operatorId: 'op2', group: 'billing' });
    await expectCopiesInStep(siteId);
  });

  it('an available operator joining the group takes its waiting chat', async () => {
    const siteId = await siteWithGroups({ operators: 2, groups: { billing: { members: ['op1'] } }, offline: ['op1'] });
    const waiting = await groupChat(siteId, 'billing');
    expect(waiting.chat.status).toBe('waiting');
    await upsertOperator(deps, siteId, 'op2', { name: 'op2', groups: ['billing'] });
    await settled(async () => expect((await requireChat(deps, siteId, waiting.chat.id)).chat).toMatchObject({ status: 'assigned', operatorId: 'op2' }));
  });

  it('copies stay in step under concurrent chats, closes, status and group changes', async () => {
    const siteId = await siteWithGroups({ operators: 6, groups: { a: { members: ['op1', 'op2', 'op3'] }, b: { members: ['op3', 'op4'] } }, maxChats: 3 });
    const churn = async (round: number) => {
      const id = `op${(round % 4) + 1}`;
      const groups = round % 2 === 0 ? ['a', 'b'] : ['b'];
      // Lost races are retried inside; a change may land before or after the others.
      await upsertOperator(deps, siteId, id, { name: id, groups, maxChats: 2 + (round % 3) });
      await setOperatorStatus(deps, siteId, id, round % 3 === 0 ? 'away' : 'online');
    };
    const chats = Array.from({ length: 24 }, (_, i) => groupChat(siteId, i % 2 === 0 ? 'a' : 'b').catch((error: unknown) => error));
    await Promise.all([...chats, ...Array.from({ length: 8 }, (_, round) => churn(round))]);
    const started = (await Promise.all(chats)).filter((result): result is Awaited<ReturnType<typeof groupChat>> => !(result instanceof Error));
    await Promise.all(
      started
        .filter((result) => result.chat.status === 'assigned')
        .slice(0, 6)
        .map(async (result) => closeChat(deps, await requireChat(deps, siteId, result.chat.id))),
    );
    // The closes wake the dispatcher, which may still be assigning while the operator and then
    // its copies are read (two reads): each write keeps them in step, so they match once it is done.
    await settled(() => expectCopiesInStep(siteId));
    // No claim went over the limit the operator had when it landed: at most the highest limit it
    // ever had (a churn round may lower it below the chats it already holds).
    const highestLimit = (id: string) =>
      Math.max(3, ...Array.from({ length: 8 }, (_, round) => round).filter((round) => `op${(round % 4) + 1}` === id).map((round) => 2 + (round % 3)));
    for (const operator of await listOperators(deps, siteId)) expect(operator.activeChats, operator.id).toBeLessThanOrEqual(highestLimit(operator.id));
  }, 60_000);

  it('a non-member freed does not take a group chat, and a group chat passed over does not hold up a younger one anyone may take', async () => {
    const siteId = await siteWithGroups({ operators: 2, groups: { vip: { members: ['op1'] } }, offline: ['op1'], maxChats: 1 });
    const busy = await anyChat(siteId);
    expect(busy.chat.operatorId).toBe('op2');
    const vip = await groupChat(siteId, 'vip');
    const plain = await anyChat(siteId);
    expect([vip.chat.status, plain.chat.status]).toEqual(['waiting', 'waiting']);

    await closeChat(deps, await requireChat(deps, siteId, busy.chat.id));
    await settled(async () => expect((await requireChat(deps, siteId, plain.chat.id)).chat).toMatchObject({ status: 'assigned', operatorId: 'op2' }));
    expect((await requireChat(deps, siteId, vip.chat.id)).chat.status).toBe('waiting');
  });

  it('fallbackAfterSeconds: still waiting after it, the chat goes to any operator of the site, keeping its group', async () => {
    const siteId = await siteWithGroups({ operators: 2, groups: { sales: { members: ['op1'], fallbackAfterSeconds: 1 } }, offline: ['op1'] });
    const started = await groupChat(siteId, 'sales');
    expect(started.chat.status).toBe('waiting');
    await settled(async () => expect((await requireChat(deps, siteId, started.chat.id)).chat.status).toBe('assigned'));
    const { chat } = await requireChat(deps, siteId, started.chat.id);
    expect(chat).toMatchObject({ operatorId: 'op2', group: 'sales', assignedBy: 'queue' });
    const waitedMs = Date.parse(chat.assignedAt!) - Date.parse(chat.createdAt);
    // From its deadline: never before it, within the contract's 2 s after it.
    expect(waitedMs).toBeGreaterThanOrEqual(1_000);
    expect(waitedMs).toBeLessThan(3_000);
  });

  it('fallbackAfterSeconds 0: nobody of the group, so anyone at once; nobody at all, it waits for anyone', async () => {
    const siteId = await siteWithGroups({ operators: 2, groups: { sales: { members: ['op1'], fallbackAfterSeconds: 0 } }, offline: ['op1'], maxChats: 1 });
    expect((await groupChat(siteId, 'sales')).chat).toMatchObject({ status: 'assigned', operatorId: 'op2', group: 'sales' });
    const waiting = await groupChat(siteId, 'sales');
    expect(waiting.chat.status).toBe('waiting');
    // op3 of no group comes in: the chat may go to anyone, so to op3.
    await upsertOperator(deps, siteId, 'op3', { name: 'op3' });
    await setOperatorStatus(deps, siteId, 'op3', 'online');
    await settled(async () => expect((await requireChat(deps, siteId, waiting.chat.id)).chat).toMatchObject({ status: 'assigned', operatorId: 'op3' }));
  });

  it('a fallback whose deadline was lost is done by the periodic repair', async () => {
    const siteId = await siteWithGroups({ operators: 2, groups: { sales: { members: ['op1'], fallbackAfterSeconds: 5 } }, offline: ['op1'] });
    // Started as if 10 s ago, its deadline never sent.
    const past = { ...deps, clock: () => Date.now() - 10_000, deadlines: { schedule: () => Promise.resolve() } };
    const started = await startChat(past, siteId, { visitorId: visitor(), clientType: 'regular', group: 'sales' });
    expect(started.chat.status).toBe('waiting');
    await repairQueues(deps);
    await settled(async () => expect((await requireChat(deps, siteId, started.chat.id)).chat).toMatchObject({ status: 'assigned', operatorId: 'op2' }));
  });

  it("deleting a group takes it from its operators and lets its waiting chats wait for anyone (assigned at once when someone is free)", async () => {
    const siteId = await siteWithGroups({ operators: 3, groups: { legal: { members: ['op1', 'op2'] }, sales: { members: ['op2'] } }, offline: ['op1', 'op2'] });
    const waiting = await groupChat(siteId, 'legal');
    expect(waiting.chat.status).toBe('waiting');
    await deleteGroup(deps, siteId, 'legal');
    expect((await requireChat(deps, siteId, waiting.chat.id)).chat).toMatchObject({ status: 'assigned', operatorId: 'op3', group: 'legal' });
    expect((await listOperators(deps, siteId)).map((operator) => operator.groups)).toEqual([[], ['sales'], []]);
    expect(await copyOf(siteId, 'legal', 'op1')).toBeNull();
    await expectDomainError(groupChat(siteId, 'legal'), 404, 'group_not_found');
    await expectDomainError(deleteGroup(deps, siteId, 'legal'), 404, 'group_not_found');
    await expectCopiesInStep(siteId);
  });

  it('an operator in several groups takes chats of each; joining and leaving moves its copies', async () => {
    const siteId = await siteWithGroups({ operators: 1, groups: { a: { members: ['op1'] }, b: { members: ['op1'] } } });
    expect((await groupChat(siteId, 'a')).chat.operatorId).toBe('op1');
    expect((await groupChat(siteId, 'b')).chat.operatorId).toBe('op1');
    await putGroup(deps, siteId, 'c', { name: 'C' });
    await upsertOperator(deps, siteId, 'op1', { name: 'op1', groups: ['c', 'a'] });
    expect((await listOperators(deps, siteId))[0]!.groups).toEqual(['a', 'c']);
    expect(await copyOf(siteId, 'b', 'op1')).toBeNull();
    expect((await groupChat(siteId, 'c')).chat.operatorId).toBe('op1');
    expect((await groupChat(siteId, 'b')).chat.status).toBe('waiting');
    await expectCopiesInStep(siteId);
    await expectDomainError(upsertOperator(deps, siteId, 'op1', { name: 'op1', groups: ['a', 'zzz'] }), 400, 'invalid_request');
    expect((await listOperators(deps, siteId))[0]!.groups).toEqual(['a', 'c']);
  });

  it('30 group chats at once on a group of 3 (maxChats 2) among 10 operators: 6 assigned to members, 24 wait; closes assign the oldest', async () => {
    const siteId = await siteWithGroups({ operators: 10, groups: { desk: { members: ['op2', 'op5', 'op9'] } }, maxChats: 2 });
    const started = await Promise.all(Array.from({ length: 30 }, () => groupChat(siteId, 'desk')));
    const assigned = started.filter((result) => result.chat.status === 'assigned');
    expect(assigned).toHaveLength(6);
    expect(new Set(assigned.map((result) => result.chat.operatorId))).toEqual(new Set(['op2', 'op5', 'op9']));
    const waitingIds = started
      .filter((result) => result.chat.status === 'waiting')
      .map((result) => result.chat.id)
      .sort();
    expect(waitingIds).toHaveLength(24);
    const operators = await listOperators(deps, siteId);
    expect(operators.filter((operator) => operator.activeChats > 0).map((operator) => [operator.id, operator.activeChats])).toEqual([
      ['op2', 2],
      ['op5', 2],
      ['op9', 2],
    ]);
    await expectCopiesInStep(siteId);

    await Promise.all(assigned.map(async (result) => closeChat(deps, await requireChat(deps, siteId, result.chat.id))));
    await settled(async () => expect((await listQueue(deps, siteId)).length).toBe(18));
    const oldest = await Promise.all(waitingIds.slice(0, 6).map(async (id) => (await requireChat(deps, siteId, id)).chat));
    expect(oldest.every((chat) => chat.status === 'assigned' && ['op2', 'op5', 'op9'].includes(chat.operatorId!))).toBe(true);
    expect((await listQueue(deps, siteId)).map((entry) => entry.chatId)).toEqual(waitingIds.slice(6));
    await expectCopiesInStep(siteId);
  }, 120_000);
});
