import { beforeEach, describe, expect, it } from 'vitest';
import type { Deadline, DeadlineQueue } from '../../lib/deadlines/deadline.js';
import type { Principal } from '../../lib/domain/auth.js';
import { DomainError } from '../../lib/domain/errors.js';
import type { Chat } from '../../lib/domain/model.js';
import type { SettingsPatch } from '../../lib/domain/schemas.js';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { dispatchWaiting } from '../../lib/engine/dispatch.js';
import { putGroup } from '../../lib/engine/groups.js';
import { handleDeadline } from '../../lib/engine/handle-deadline.js';
import { requireOperator, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { listQueue } from '../../lib/engine/queue.js';
import { repairQueues } from '../../lib/engine/repair-queue.js';
import { acceptChatFor, rerouteChatsOf, transferChatFor } from '../../lib/engine/reassign.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { expectDomainError } from '../support/domain.js';
import { isolatedTable, testEngine, type TestEngine } from '../support/engine.js';
import { siteWithOperators } from '../support/fixtures.js';

/**
 * Answer deadlines, take-backs, accepts and transfers, step by step: the clock is the test's,
 * the deadlines are recorded (and handed to the handler by the test, as often and as late as
 * it likes), and no dispatcher runs unless the test calls it.
 */
let engine: TestEngine;
let deps: EngineDeps;
let sent: Deadline[];

beforeEach(() => {
  engine = testEngine();
  sent = [];
  const recording: DeadlineQueue = {
    schedule: (deadline) => {
      sent.push(deadline);
      return Promise.resolve();
    },
  };
  deps = { ...engine.deps, clock: engine.clock.now, deadlines: recording };
});

const TIMEOUT_S = 30;
const operator = (siteId: string, operatorId: string): Principal => ({ role: 'operator', siteId, operatorId });
const admin = (siteId: string): Principal => ({ role: 'admin', siteId });

async function site(operators = 2, settings: SettingsPatch = {}) {
  return (await siteWithOperators(deps, operators, { settings: { allowVisitorChoice: true, answerTimeoutSeconds: TIMEOUT_S, maxWaitSeconds: 3600, ...settings } })).siteId;
}

let visitors = 0;
const chatWith = async (siteId: string, operatorId: string, visitorId = `v${(visitors += 1)}`) =>
  (await startChat(deps, siteId, { visitorId, clientType: 'regular', operatorId })).chat;

const deadlineOf = (chat: Chat) => {
  const deadline = sent.find((one) => one.kind === 'answer-timeout' && one.chatId === chat.id && one.operatorId === chat.operatorId);
  if (!deadline) throw new Error(`no answer deadline for ${chat.id}`);
  return deadline;
};

const chatNow = async (siteId: string, chatId: string) => (await requireChat(deps, siteId, chatId)).chat;
const operatorNow = async (siteId: string, operatorId: string) => (await requireOperator(deps, siteId, operatorId)).operator;
/** Everything stored of a chat and its operators, to show that a step wrote nothing. */
const snapshot = async (siteId: string, chatId: string, operatorIds: string[]) => ({
  chat: await requireChat(deps, siteId, chatId),
  operators: await Promise.all(operatorIds.map((id) => requireOperator(deps, siteId, id))),
});

describe('answer deadlines', () => {
  it('sends one per assignment, due answerTimeoutSeconds after it; none when the site sets no timeout', async () => {
    const siteId = await site();
    const chat = await chatWith(siteId, 'op1');
    expect(deadlineOf(chat)).toEqual({
      kind: 'answer-timeout',
      siteId,
      chatId: chat.id,
      operatorId: 'op1',
      assignedAt: chat.assignedAt,
      dueAtMs: Date.parse(chat.assignedAt!) + TIMEOUT_S * 1000,
    });
    const off = await site(1, { answerTimeoutSeconds: null });
    await chatWith(off, 'op1');
    expect(sent.filter((deadline) => deadline.kind === 'answer-timeout' && deadline.siteId === off)).toEqual([]);
  });

  it('an unanswered chat is taken back: its operator loses it and counts a miss, it waits while only that operator is free, then goes to another', async () => {
    const siteId = await site();
    const chat = await chatWith(siteId, 'op1');
    const deadline = deadlineOf(chat);
    await setOperatorStatus(deps, siteId, 'op2', 'offline');

    // Delivered early (a raised timeout, a clock skew): nothing but the deadline sent again.
    engine.clock.advance(10_000);
    const before = await snapshot(siteId, chat.id, ['op1']);
    expect(await handleDeadline(deps, deadline)).toEqual({ takenBack: false });
    expect(await snapshot(siteId, chat.id, ['op1'])).toEqual(before);
    expect(sent.filter((one) => 'chatId' in one && one.chatId === chat.id)).toEqual([deadline, deadline]);

    engine.clock.advance(20_000);
    expect(await handleDeadline(deps, deadline)).toMatchObject({ takenBack: true });
    expect(await chatNow(siteId, chat.id)).toMatchObject({ status: 'waiting', operatorId: null, assignedBy: null, assignedAt: null, acceptedAt: null, missedBy: ['op1'] });
    expect(await operatorNow(siteId, 'op1')).toMatchObject({ activeChats: 0, missed: 1, missedInARow: 1, status: 'online' });
    expect((await listQueue(deps, siteId)).map((entry) => entry.chatId)).toEqual([chat.id]);

    // Delivered again: nothing changes.
    const after = await snapshot(siteId, chat.id, ['op1']);
    expect(await handleDeadline(deps, deadline)).toEqual({ takenBack: false });
    expect(await snapshot(siteId, chat.id, ['op1'])).toEqual(after);

    // op1 is free but missed it: it waits.
    expect((await dispatchWaiting(deps, siteId)).assigned).toBe(0);
    expect((await chatNow(siteId, chat.id)).status).toBe('waiting');
    await setOperatorStatus(deps, siteId, 'op2', 'online');
    expect((await dispatchWaiting(deps, siteId)).assigned).toBe(1);
    const again = await chatNow(siteId, chat.id);
    expect(again).toMatchObject({ status: 'assigned', operatorId: 'op2', assignedBy: 'queue', missedBy: ['op1'], acceptedAt: null });
    // Its new assignment has its own deadline.
    expect(deadlineOf(again)).toMatchObject({ operatorId: 'op2', assignedAt: again.assignedAt });
  });

  it('a chat waiting only for others than the one free operator does not hold up new chats: they go to that operator at once', async () => {
    const siteId = await site(2);
    await setOperatorStatus(deps, siteId, 'op2', 'offline');
    const missed = await chatWith(siteId, 'op1');
    engine.clock.advance(TIMEOUT_S * 1000);
    await handleDeadline(deps, deadlineOf(missed));
    expect((await chatNow(siteId, missed.id)).status).toBe('waiting');
    // A new chat for anyone: op1 is free, and the waiting chat will never be op1's.
    const fresh = await startChat(deps, siteId, { visitorId: 'newcomer', clientType: 'regular' });
    expect(fresh.chat).toMatchObject({ status: 'assigned', operatorId: 'op1', assignedBy: 'queue' });
    expect((await listQueue(deps, siteId)).map((entry) => entry.chatId)).toEqual([missed.id]);
    // op2 back: the waiting chat is the next for op2, so a new chat may only go to op1 (never to op2 ahead of it).
    await setOperatorStatus(deps, siteId, 'op2', 'online');
    expect((await startChat(deps, siteId, { visitorId: 'second', clientType: 'regular' })).chat.operatorId).toBe('op1');
    await setOperatorStatus(deps, siteId, 'op1', 'offline');
    expect((await startChat(deps, siteId, { visitorId: 'third', clientType: 'regular' })).chat.status).toBe('waiting');
  });

  it('a deadline after an accept, or after the operator left and the chat moved on, changes nothing', async () => {
    const siteId = await site(3);
    const accepted = await chatWith(siteId, 'op1');
    expect(await acceptChatFor(deps, siteId, accepted.id, operator(siteId, 'op1'))).toMatchObject({ id: accepted.id, acceptedAt: expect.any(String) });
    const left = await chatWith(siteId, 'op2');
    await setOperatorStatus(deps, siteId, 'op2', 'offline');
    // What the dispatcher does on the stream record of op2 going offline.
    expect(await rerouteChatsOf(deps, await operatorNow(siteId, 'op2'))).toBe(1);
    expect(await chatNow(siteId, left.id)).toMatchObject({ status: 'waiting', operatorId: null, missedBy: [] });
    expect(await operatorNow(siteId, 'op2')).toMatchObject({ activeChats: 0, missed: 0, missedInARow: 0 });
    await dispatchWaiting(deps, siteId);
    expect((await chatNow(siteId, left.id)).operatorId).toBe('op3');

    engine.clock.advance(TIMEOUT_S * 1000);
    const before = [await snapshot(siteId, accepted.id, ['op1']), await snapshot(siteId, left.id, ['op2', 'op3'])];
    expect(await handleDeadline(deps, deadlineOf(accepted))).toEqual({ takenBack: false });
    expect(await handleDeadline(deps, deadlineOf(left))).toEqual({ takenBack: false });
    expect([await snapshot(siteId, accepted.id, ['op1']), await snapshot(siteId, left.id, ['op2', 'op3'])]).toEqual(before);
  });

  it('past maxWaitSeconds from its creation, a chat taken back is recorded unassigned and its visitor may start another', async () => {
    const siteId = await site(1, { maxWaitSeconds: 20, maxOpenChatsPerVisitor: 1 });
    const chat = await chatWith(siteId, 'op1', 'returning-visitor');
    engine.clock.advance(TIMEOUT_S * 1000);
    expect(await handleDeadline(deps, deadlineOf(chat))).toMatchObject({ takenBack: true });
    expect(await chatNow(siteId, chat.id)).toMatchObject({ status: 'unassigned', operatorId: null, missedBy: ['op1'] });
    expect(await listQueue(deps, siteId)).toEqual([]);
    expect((await chatWith(siteId, 'op1', 'returning-visitor')).status).toBe('assigned');
  });

  it('a deadline whose message was lost is acted on by the periodic repair; an accepted or closed chat is not', async () => {
    // The repair reads every site of its table: a table of its own.
    const own = testEngine({ tableName: await isolatedTable('answers', { stream: false }) });
    deps = { ...deps, store: own.deps.store };
    const siteId = await site(3);
    const lost = await chatWith(siteId, 'op1');
    const accepted = await chatWith(siteId, 'op2');
    await acceptChatFor(deps, siteId, accepted.id, operator(siteId, 'op2'));
    const closed = await chatWith(siteId, 'op3');
    await closeChat(deps, await requireChat(deps, siteId, closed.id));
    // Not yet late enough (the deadline's own message comes first): nothing.
    engine.clock.advance(TIMEOUT_S * 1000);
    expect((await repairQueues(deps)).takenBack).toBe(0);
    engine.clock.advance(10_000);
    sent.length = 0;
    const repaired = await repairQueues(deps);
    expect(repaired.takenBack).toBe(1);
    // Taken back, it waited only for this same pass, which gave it to someone else.
    expect(await chatNow(siteId, lost.id)).toMatchObject({ status: 'assigned', missedBy: ['op1'] });
    expect((await chatNow(siteId, lost.id)).operatorId).not.toBe('op1');
    expect(await chatNow(siteId, accepted.id)).toMatchObject({ status: 'assigned', operatorId: 'op2' });
    expect(await operatorNow(siteId, 'op1')).toMatchObject({ missed: 1 });
    // The repair sends only the new assignment's deadline; run again, it finds nothing.
    expect(sent.map((deadline) => ('chatId' in deadline ? deadline.chatId : null))).toEqual([lost.id]);
    expect((await repairQueues(deps)).takenBack).toBe(0);
  });

  it('with awayAfterMisses 2, the second miss in a row sets the operator away; an accept in between breaks the run', async () => {
    const siteId = await site(1, { awayAfterMisses: 2 });
    const miss = async () => {
      const chat = await chatWith(siteId, 'op1');
      engine.clock.advance(TIMEOUT_S * 1000);
      return handleDeadline(deps, deadlineOf(chat));
    };
    expect(await miss()).toEqual({ takenBack: true, setAway: false });
    const answered = await chatWith(siteId, 'op1');
    await acceptChatFor(deps, siteId, answered.id, operator(siteId, 'op1'));
    expect(await operatorNow(siteId, 'op1')).toMatchObject({ missed: 1, missedInARow: 0, status: 'online' });
    expect(await miss()).toEqual({ takenBack: true, setAway: false });
    expect(await miss()).toEqual({ takenBack: true, setAway: true });
    expect(await operatorNow(siteId, 'op1')).toMatchObject({ missed: 3, missedInARow: 2, status: 'away' });
  });
});

describe('accept', () => {
  it('is for the chat\'s current operator: twice is fine; late, or someone else\'s, is 409 chat_not_yours; closed, 409 chat_closed', async () => {
    const siteId = await site(2);
    const chat = await chatWith(siteId, 'op1');
    const first = await acceptChatFor(deps, siteId, chat.id, operator(siteId, 'op1'));
    engine.clock.advance(5_000);
    expect(await acceptChatFor(deps, siteId, chat.id, operator(siteId, 'op1'))).toEqual(first);
    await expectDomainError(acceptChatFor(deps, siteId, chat.id, operator(siteId, 'op2')), 409, 'chat_not_yours');
    await expectDomainError(acceptChatFor(deps, siteId, chat.id, admin(siteId)), 403, 'forbidden');

    const missed = await chatWith(siteId, 'op1');
    engine.clock.advance(TIMEOUT_S * 1000);
    await handleDeadline(deps, deadlineOf(missed));
    await expectDomainError(acceptChatFor(deps, siteId, missed.id, operator(siteId, 'op1')), 409, 'chat_not_yours');

    await closeChat(deps, await requireChat(deps, siteId, chat.id));
    await expectDomainError(acceptChatFor(deps, siteId, chat.id, operator(siteId, 'op1')), 409, 'chat_closed');
  });

  it('racing the take-back on each of 40 chats: exactly one of the two lands, and both sides see the same outcome', async () => {
    const siteId = await site(1);
    const chats: Chat[] = [];
    for (let i = 0; i < 40; i += 1) chats.push(await chatWith(siteId, 'op1'));
    engine.clock.advance(TIMEOUT_S * 1000);
    const outcomes = await Promise.all(
      chats.map(async (chat) => {
        const [accept, takeBack] = await Promise.all([
          acceptChatFor(deps, siteId, chat.id, operator(siteId, 'op1')).then(
            () => 'accepted' as const,
            (error: unknown) => {
              if (error instanceof DomainError && error.code === 'chat_not_yours') return 'refused' as const;
              throw error;
            },
          ),
          handleDeadline(deps, deadlineOf(chat)),
        ]);
        return { chat: await chatNow(siteId, chat.id), accept, takenBack: takeBack.takenBack };
      }),
    );
    for (const { chat, accept, takenBack } of outcomes) {
      expect(accept === 'accepted', chat.id).toBe(!takenBack);
      if (takenBack) expect(chat).toMatchObject({ status: 'waiting', operatorId: null, acceptedAt: null, missedBy: ['op1'] });
      else expect(chat).toMatchObject({ status: 'assigned', operatorId: 'op1', acceptedAt: expect.any(String), missedBy: [] });
    }
    const taken = outcomes.filter((outcome) => outcome.takenBack).length;
    expect(await operatorNow(siteId, 'op1')).toMatchObject({ activeChats: 40 - taken, missed: taken });
    expect((await listQueue(deps, siteId)).length).toBe(taken);
  });
});

describe('transfer', () => {
  it('to an available operator: assignedBy transfer, unaccepted, with a new deadline; capacities move with it', async () => {
    const siteId = await site(2);
    const chat = await chatWith(siteId, 'op1');
    await acceptChatFor(deps, siteId, chat.id, operator(siteId, 'op1'));
    engine.clock.advance(1_000);
    const moved = await transferChatFor(deps, siteId, chat.id, operator(siteId, 'op1'), { operatorId: 'op2' });
    expect(moved).toMatchObject({ status: 'assigned', operatorId: 'op2', assignedBy: 'transfer', acceptedAt: null });
    expect(await chatNow(siteId, chat.id)).toEqual(moved);
    expect([(await operatorNow(siteId, 'op1')).activeChats, (await operatorNow(siteId, 'op2')).activeChats]).toEqual([0, 1]);
    expect(deadlineOf(moved)).toMatchObject({ operatorId: 'op2', assignedAt: moved.assignedAt });
    // To where it already is: nothing changes (a retried request).
    expect(await transferChatFor(deps, siteId, chat.id, admin(siteId), { operatorId: 'op2' })).toEqual(moved);
  });

  it('to a full, offline or unknown operator, by someone else or of a closed chat: refused, nothing written', async () => {
    const siteId = await site(3);
    await upsertOperator(deps, siteId, 'op2', { name: 'Full', maxChats: 1 });
    await chatWith(siteId, 'op2');
    await setOperatorStatus(deps, siteId, 'op3', 'offline');
    const chat = await chatWith(siteId, 'op1');
    const before = await snapshot(siteId, chat.id, ['op1', 'op2', 'op3']);
    await expectDomainError(transferChatFor(deps, siteId, chat.id, operator(siteId, 'op1'), { operatorId: 'op2' }), 409, 'operator_unavailable');
    await expectDomainError(transferChatFor(deps, siteId, chat.id, admin(siteId), { operatorId: 'op3' }), 409, 'operator_unavailable');
    await expectDomainError(transferChatFor(deps, siteId, chat.id, admin(siteId), { operatorId: 'nobody' }), 404, 'operator_not_found');
    await expectDomainError(transferChatFor(deps, siteId, chat.id, operator(siteId, 'op2'), { operatorId: 'op1' }), 409, 'chat_not_yours');
    await expectDomainError(transferChatFor(deps, siteId, chat.id, admin(siteId), { group: 'nope' }), 404, 'group_not_found');
    expect(await snapshot(siteId, chat.id, ['op1', 'op2', 'op3'])).toEqual(before);
    await closeChat(deps, await requireChat(deps, siteId, chat.id));
    await expectDomainError(transferChatFor(deps, siteId, chat.id, admin(siteId), { operatorId: 'op1' }), 409, 'chat_closed');
  });

  it('to a group: routed within it, or waiting for it when none of it is free; a waiting chat to an operator', async () => {
    const siteId = await site(3);
    await putGroup(deps, siteId, 'sales', { name: 'Sales' });
    await putGroup(deps, siteId, 'billing', { name: 'Billing' });
    await upsertOperator(deps, siteId, 'op2', { name: 'Sales', groups: ['sales'] });
    await upsertOperator(deps, siteId, 'op3', { name: 'Billing', groups: ['billing'] });
    await setOperatorStatus(deps, siteId, 'op3', 'offline');

    const chat = await chatWith(siteId, 'op1');
    const routed = await transferChatFor(deps, siteId, chat.id, operator(siteId, 'op1'), { group: 'sales' });
    expect(routed).toMatchObject({ status: 'assigned', operatorId: 'op2', group: 'sales', assignedBy: 'queue', missedBy: [] });
    expect((await operatorNow(siteId, 'op1')).activeChats).toBe(0);

    const waits = await transferChatFor(deps, siteId, chat.id, operator(siteId, 'op2'), { group: 'billing' });
    expect(waits).toMatchObject({ status: 'waiting', operatorId: null, group: 'billing' });
    expect((await listQueue(deps, siteId)).map((entry) => [entry.chatId, entry.group])).toEqual([[chat.id, 'billing']]);

    const picked = await transferChatFor(deps, siteId, chat.id, admin(siteId), { operatorId: 'op1' });
    expect(picked).toMatchObject({ status: 'assigned', operatorId: 'op1', assignedBy: 'transfer', group: 'billing' });
    expect(await listQueue(deps, siteId)).toEqual([]);
  });
});
