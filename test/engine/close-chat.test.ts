import { describe, expect, it } from 'vitest';
import { closeChat, listOpenChats, requireChat } from '../../lib/engine/chats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { deleteOperator, listOperators, requireOperator, setOperatorStatus } from '../../lib/engine/operators.js';
import { expectDomainError } from '../support/domain.js';
import { byId, chatFor, siteWithOperators } from '../support/fixtures.js';
import { testEngine } from '../support/engine.js';

const iso = (ms: number) => new Date(ms).toISOString();

async function close(deps: EngineDeps, siteId: string, chatId: string) {
  return closeChat(deps, await requireChat(deps, siteId, chatId));
}

async function activeChatsOf(deps: EngineDeps, siteId: string, operatorId: string) {
  return (await requireOperator(deps, siteId, operatorId)).operator.activeChats;
}

describe('closing a chat', () => {
  it('sets status closed and closedAt, and gives the operator its capacity back', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1);
    clock.advance(1000);
    const { chat } = await chatFor(deps, siteId);
    clock.advance(1000);
    await chatFor(deps, siteId);
    expect(await activeChatsOf(deps, siteId, 'op1')).toBe(2);

    clock.advance(60_000);
    const closed = await close(deps, siteId, chat.id);

    expect(closed).toEqual({ ...chat, status: 'closed', closedAt: iso(deps.clock()) });
    expect((await requireChat(deps, siteId, chat.id)).chat).toEqual(closed);
    const operator = (await requireOperator(deps, siteId, 'op1')).operator;
    expect(operator.activeChats).toBe(1);
    expect(operator.assigned).toBe(2);
  });

  it('frees a full operator (maxChats 1): it gets the next chat again after the close', async () => {
    const { deps, clock } = testEngine();
    // The queue off: a chat nobody can take is recorded unassigned, not left waiting in front of the next.
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1, settings: { queueEnabled: false } });
    const first = await chatFor(deps, siteId);
    expect(first.chat.operatorId).toBe('op1');
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat.status).toBe('unassigned');

    clock.advance(1000);
    await close(deps, siteId, first.chat.id);
    expect(await activeChatsOf(deps, siteId, 'op1')).toBe(0);

    clock.advance(1000);
    const third = await chatFor(deps, siteId);
    expect(third.chat).toMatchObject({ status: 'assigned', operatorId: 'op1', assignedBy: 'queue' });
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat.status).toBe('unassigned');
  });

  it('a full operator that is also the default gets its default chats again after a close', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 2, { maxChats: 1, settings: { defaultOperators: { regular: 'op1', target: null } } });
    const first = await chatFor(deps, siteId);
    expect(first.chat).toMatchObject({ operatorId: 'op1', assignedBy: 'default' });
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: 'op2', assignedBy: 'queue' });

    await close(deps, siteId, first.chat.id);
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: 'op1', assignedBy: 'default' });
  });

  it('closing twice changes nothing: same closedAt, activeChats decremented once, also with the record read before the first close', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1);
    const chats = [];
    for (let i = 0; i < 3; i += 1) {
      clock.advance(1000);
      chats.push((await chatFor(deps, siteId)).chat);
    }
    const target = chats[1]!;
    const staleRecord = await requireChat(deps, siteId, target.id);

    clock.advance(1000);
    const firstClose = await closeChat(deps, staleRecord);
    const closedAt = iso(deps.clock());
    expect(firstClose.closedAt).toBe(closedAt);
    expect(await activeChatsOf(deps, siteId, 'op1')).toBe(2);

    clock.advance(60_000);
    const again = await close(deps, siteId, target.id);
    clock.advance(60_000);
    const againFromOldRecord = await closeChat(deps, staleRecord);

    for (const result of [again, againFromOldRecord]) expect(result).toEqual({ ...target, status: 'closed', closedAt });
    expect((await requireChat(deps, siteId, target.id)).chat.closedAt).toBe(closedAt);
    expect(await activeChatsOf(deps, siteId, 'op1')).toBe(2);
  });

  it('closes an unassigned chat', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1, { online: false, settings: { queueEnabled: false } });
    const { chat } = await chatFor(deps, siteId);
    expect(chat.status).toBe('unassigned');

    clock.advance(5000);
    const closed = await close(deps, siteId, chat.id);
    expect(closed).toEqual({ ...chat, status: 'closed', closedAt: iso(deps.clock()) });
    expect((await requireChat(deps, siteId, chat.id)).chat).toEqual(closed);
    clock.advance(5000);
    expect(await close(deps, siteId, chat.id)).toEqual(closed);
    expect((await listOperators(deps, siteId))[0]).toMatchObject({ activeChats: 0, assigned: 0 });
  });

  it('closes a chat whose operator was deleted meanwhile', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 2);
    const { chat } = await chatFor(deps, siteId);
    await deleteOperator(deps, siteId, chat.operatorId!);

    clock.advance(1000);
    const closed = await close(deps, siteId, chat.id);
    expect(closed).toMatchObject({ status: 'closed', closedAt: iso(deps.clock()) });
    expect((await requireChat(deps, siteId, chat.id)).chat.status).toBe('closed');
  });

  it('requireChat refuses an unknown chat with 404 chat_not_found', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1);
    await expectDomainError(requireChat(deps, siteId, 'NO-SUCH-CHAT'), 404, 'chat_not_found');
  });
});

describe("an operator's open chats", () => {
  it('are listed newest first, and a closed chat drops out', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 2, { settings: { defaultOperators: { regular: 'op1', target: null } } });
    const mine = [];
    for (let i = 0; i < 4; i += 1) {
      clock.advance(1000);
      mine.push((await chatFor(deps, siteId)).chat);
    }
    clock.advance(1000);
    const others = (await chatFor(deps, siteId, { clientType: 'target' })).chat;
    expect(others.operatorId).toBe('op2');

    const newestFirst = [...mine].reverse();
    expect(await listOpenChats(deps, siteId, 'op1')).toEqual(newestFirst);
    expect(await listOpenChats(deps, siteId, 'op2')).toEqual([others]);

    clock.advance(1000);
    await close(deps, siteId, mine[2]!.id);
    await close(deps, siteId, mine[0]!.id);
    expect((await listOpenChats(deps, siteId, 'op1')).map((chat) => chat.id)).toEqual([mine[3]!.id, mine[1]!.id]);
    expect(await activeChatsOf(deps, siteId, 'op1')).toBe(2);
  });

  it('is empty for an operator without chats', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1);
    expect(await listOpenChats(deps, siteId, 'op1')).toEqual([]);
  });
});

describe('concurrent closes', () => {
  it('two closes of the same chat at once decrement activeChats exactly once, ten times over', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1);
    const chats = [];
    for (let i = 0; i < 12; i += 1) {
      clock.advance(1000);
      chats.push((await chatFor(deps, siteId)).chat);
    }
    let open = chats.length;
    for (const chat of chats.slice(0, 10)) {
      clock.advance(1000);
      const record = await requireChat(deps, siteId, chat.id);
      const results = await Promise.all([closeChat(deps, record), close(deps, siteId, chat.id)]);
      open -= 1;
      for (const result of results) expect(result).toEqual({ ...chat, status: 'closed', closedAt: iso(deps.clock()) });
      expect(await activeChatsOf(deps, siteId, 'op1')).toBe(open);
    }
    expect((await listOpenChats(deps, siteId, 'op1')).map((chat) => chat.id)).toEqual([chats[11]!.id, chats[10]!.id]);
  });

  it('closes racing with chat starts on the same operator all close, and the counts add up', async () => {
    const { deps, clock } = testEngine();
    const engine = { ...deps, clock: clock.ticking };
    const { siteId } = await siteWithOperators(engine, 1, { settings: { heartbeatTimeoutSeconds: 3600 } });
    const opened = [];
    for (let i = 0; i < 10; i += 1) opened.push((await chatFor(engine, siteId)).chat);
    const records = await Promise.all(opened.map((chat) => requireChat(engine, siteId, chat.id)));

    const [closes, starts] = await Promise.all([
      Promise.all(records.map((record) => closeChat(engine, record))),
      Promise.all(Array.from({ length: 10 }, () => chatFor(engine, siteId))),
    ]);

    expect(closes.map((chat) => chat.status)).toEqual(Array(10).fill('closed'));
    expect(starts.every((result) => result.chat.operatorId === 'op1')).toBe(true);
    const operator = byId(await listOperators(engine, siteId)).get('op1');
    expect(operator).toMatchObject({ activeChats: 10, assigned: 20 });
    expect(new Set((await listOpenChats(engine, siteId, 'op1')).map((chat) => chat.id))).toEqual(
      new Set(starts.map((result) => result.chat.id)),
    );
  });

  it('closing while the operator is away still frees its capacity, and it rejoins the queue when back online', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1, settings: { queueEnabled: false } });
    const { chat } = await chatFor(deps, siteId);
    await setOperatorStatus(deps, siteId, 'op1', 'away');
    clock.advance(1000);
    await close(deps, siteId, chat.id);
    expect(await activeChatsOf(deps, siteId, 'op1')).toBe(0);
    expect((await chatFor(deps, siteId)).chat.status).toBe('unassigned');

    await setOperatorStatus(deps, siteId, 'op1', 'online');
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ status: 'assigned', operatorId: 'op1' });
  });
});
