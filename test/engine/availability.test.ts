import { describe, expect, it } from 'vitest';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { deleteOperator, listOperators, recordHeartbeat, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { createSite, requireSite, updateSettings } from '../../lib/engine/sites.js';
import { expectDomainError } from '../support/domain.js';
import { byId, chatFor, countBy, siteWithOperators } from '../support/fixtures.js';
import { T0, testEngine } from '../support/engine.js';

const TIMEOUT_SECONDS = 90;
const iso = (ms: number) => new Date(ms).toISOString();

type Condition = 'available' | 'away' | 'offline' | 'stale' | 'full';

/**
 * A site with operators a and b, which have had one chat each, and the subject x. Unless x is
 * full, it has never been assigned, so it heads the queue; when full, its one chat (maxChats 1)
 * came before a's and b's, so it is still the earliest. Then x is put in the given condition;
 * 'available' is the control: the same setup with x able to take chats.
 */
async function siteWithSubject(condition: Condition) {
  const { deps, clock } = testEngine();
  const { siteId } = await createSite(deps, { name: `Subject ${condition}` });
  await updateSettings(deps, siteId, { allowVisitorChoice: true, heartbeatTimeoutSeconds: TIMEOUT_SECONDS });
  for (const id of ['a', 'b', 'x']) {
    await upsertOperator(deps, siteId, id, { name: `Operator ${id}`, maxChats: id === 'x' && condition === 'full' ? 1 : null });
    await setOperatorStatus(deps, siteId, id, 'online');
  }
  const order = condition === 'full' ? ['x', 'a', 'b'] : ['a', 'b'];
  for (const id of order) {
    clock.advance(1000);
    const { chat } = await chatFor(deps, siteId, { operatorId: id });
    expect(chat.operatorId).toBe(id);
  }
  clock.advance(1000);
  if (condition === 'away' || condition === 'offline') await setOperatorStatus(deps, siteId, 'x', condition);
  if (condition === 'stale') {
    // Past x's timeout; a and b heartbeat, x does not. No sweep runs: x is still stored as online.
    clock.advance(TIMEOUT_SECONDS * 1000);
    await recordHeartbeat(deps, siteId, 'a');
    await recordHeartbeat(deps, siteId, 'b');
    clock.advance(1000);
  }
  const before = byId(await listOperators(deps, siteId));
  return { deps, clock, siteId, before };
}

describe('operators that are not available never get a chat', () => {
  it('control: the same setup with x available gives x the chat, by queue and by default', async () => {
    const { deps, siteId } = await siteWithSubject('available');
    const byQueue = await chatFor(deps, siteId);
    expect(byQueue.chat).toMatchObject({ operatorId: 'x', assignedBy: 'queue', status: 'assigned' });

    await updateSettings(deps, siteId, { defaultOperators: { regular: 'x', target: 'x' } });
    const byDefault = await chatFor(deps, siteId, { clientType: 'target' });
    expect(byDefault.chat).toMatchObject({ operatorId: 'x', assignedBy: 'default' });
  });

  it.each(['away', 'offline', 'stale', 'full'] as const)(
    '%s: not as the earliest in the queue, not as the default operator, not by visitor choice',
    async (condition) => {
      const { deps, clock, siteId, before } = await siteWithSubject(condition);
      if (condition === 'stale') expect(before.get('x')?.status).toBe('online');
      if (condition === 'full') expect(before.get('x')).toMatchObject({ activeChats: 1, maxChats: 1 });

      // As the earliest in the queue.
      const byQueue = [];
      for (let i = 0; i < 4; i += 1) {
        clock.advance(1000);
        byQueue.push(await chatFor(deps, siteId));
      }

      // As the default operator for both client types.
      await updateSettings(deps, siteId, { defaultOperators: { regular: 'x', target: 'x' } });
      const byDefault = [];
      for (const clientType of ['regular', 'target', 'regular', 'target'] as const) {
        clock.advance(1000);
        byDefault.push(await chatFor(deps, siteId, { clientType }));
      }

      for (const result of [...byQueue, ...byDefault]) {
        expect(result.chat.status).toBe('assigned');
        expect(result.chat.assignedBy).toBe('queue');
        expect(['a', 'b']).toContain(result.chat.operatorId);
      }
      // The queue still alternates between the two available operators.
      expect([...countBy([...byQueue, ...byDefault], (result) => result.chat.operatorId).values()]).toEqual([4, 4]);

      // Chosen by the visitor.
      await expectDomainError(chatFor(deps, siteId, { operatorId: 'x' }), 409, 'operator_unavailable');

      const after = byId(await listOperators(deps, siteId));
      expect(after.get('x')?.assigned).toBe(before.get('x')?.assigned);
      expect(after.get('x')?.activeChats).toBe(before.get('x')?.activeChats);
      expect(after.get('x')?.lastAssignedAt).toBe(before.get('x')?.lastAssignedAt);
    },
  );

  it('a stale operator is revived by recordHeartbeat: it gets the next chat again, as head of the queue or as default', async () => {
    const { deps, clock, siteId } = await siteWithSubject('stale');
    expect((await chatFor(deps, siteId)).chat.operatorId).not.toBe('x');

    await recordHeartbeat(deps, siteId, 'x');
    const revived = await chatFor(deps, siteId);
    expect(revived.chat).toMatchObject({ operatorId: 'x', assignedBy: 'queue' });

    // Stale again, then revived as the default operator.
    await updateSettings(deps, siteId, { defaultOperators: { regular: 'x', target: null } });
    clock.advance(TIMEOUT_SECONDS * 1000);
    await recordHeartbeat(deps, siteId, 'a');
    await recordHeartbeat(deps, siteId, 'b');
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ assignedBy: 'queue' });
    expect((await chatFor(deps, siteId)).chat.operatorId).not.toBe('x');
    await recordHeartbeat(deps, siteId, 'x');
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: 'x', assignedBy: 'default' });
  });

  it('a queue head of more than a page of stale operators is skipped: the chat goes to the available operator behind them', async () => {
    const { deps, clock } = testEngine();
    const { siteId, ids } = await siteWithOperators(deps, 13, { settings: { allowVisitorChoice: true } });
    // op13 had a chat, so the 12 never-assigned operators are ahead of it in the queue.
    clock.advance(1000);
    expect((await chatFor(deps, siteId, { operatorId: 'op13' })).chat.operatorId).toBe('op13');
    clock.advance(90_000);
    await recordHeartbeat(deps, siteId, 'op13');

    for (let i = 0; i < 3; i += 1) {
      clock.advance(1000);
      expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: 'op13', assignedBy: 'queue' });
    }
    const operators = byId(await listOperators(deps, siteId));
    expect(ids.filter((id) => id !== 'op13').map((id) => operators.get(id)?.assigned)).toEqual(Array(12).fill(0));
    expect(operators.get('op1')?.status).toBe('online');
  });

  it("with nobody available (and the queue off) the chat is recorded 'unassigned', with operatorId and assignedBy null", async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await createSite(deps, { name: 'Nobody' });
    await updateSettings(deps, siteId, { allowVisitorChoice: true, heartbeatTimeoutSeconds: TIMEOUT_SECONDS, queueEnabled: false });
    for (const id of ['away', 'offline', 'stale', 'full', 'never-online']) {
      await upsertOperator(deps, siteId, id, { name: id, maxChats: id === 'full' ? 1 : null });
      if (id !== 'never-online') await setOperatorStatus(deps, siteId, id, 'online');
    }
    clock.advance(1000);
    expect((await chatFor(deps, siteId, { operatorId: 'full' })).chat.operatorId).toBe('full');
    await setOperatorStatus(deps, siteId, 'away', 'away');
    await setOperatorStatus(deps, siteId, 'offline', 'offline');
    clock.advance(TIMEOUT_SECONDS * 1000 - 1000);
    // 'full' heartbeats (fresh but full); 'stale' does not.
    await recordHeartbeat(deps, siteId, 'full');
    await recordHeartbeat(deps, siteId, 'away');
    clock.advance(1000);
    await updateSettings(deps, siteId, { defaultOperators: { regular: 'stale', target: 'full' } });

    for (const clientType of ['regular', 'target'] as const) {
      clock.advance(1000);
      const result = await chatFor(deps, siteId, { clientType });
      expect(result.chat).toMatchObject({ status: 'unassigned', operatorId: null, assignedBy: null, clientType, closedAt: null });
      expect(result.chat.createdAt).toBe(iso(deps.clock()));
      expect(result.operator).toBeUndefined();
      expect(result.chatToken.length).toBeGreaterThan(20);

      const stored = await deps.store.getChat(siteId, result.chat.id);
      expect(stored?.chat).toEqual(result.chat);
    }
    const operators = byId(await listOperators(deps, siteId));
    expect([...operators.values()].map((operator) => operator.assigned).sort()).toEqual([0, 0, 0, 0, 1]);
  });
});

describe('default operators', () => {
  it('regular clients go to the regular default, target clients to the target default', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 3);
    const settings = await updateSettings(deps, siteId, { defaultOperators: { regular: 'op1', target: 'op2' } });
    expect(settings.defaultOperators).toEqual({ regular: 'op1', target: 'op2' });

    const results = [];
    for (const clientType of ['regular', 'target', 'regular', 'target', 'regular', 'target'] as const) {
      results.push(await chatFor(deps, siteId, { clientType }));
    }
    for (const result of results) {
      expect(result.chat.assignedBy).toBe('default');
      expect(result.chat.operatorId).toBe(result.chat.clientType === 'regular' ? 'op1' : 'op2');
    }
    const operators = byId(await listOperators(deps, siteId));
    expect([1, 2, 3].map((n) => operators.get(`op${n}`)?.assigned)).toEqual([3, 3, 0]);
  });

  it('must name existing operators: invalid_request, and the settings stay as they were', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 2, { settings: { defaultOperators: { regular: 'op1', target: 'op2' } } });

    await expectDomainError(updateSettings(deps, siteId, { defaultOperators: { regular: 'ghost' } }), 400, 'invalid_request');
    await expectDomainError(
      updateSettings(deps, siteId, { name: 'Renamed', defaultOperators: { regular: 'op2', target: 'ghost' } }),
      400,
      'invalid_request',
    );
    const { settings } = await requireSite(deps, siteId);
    expect(settings.defaultOperators).toEqual({ regular: 'op1', target: 'op2' });
    expect(settings.name).toBe('Test site');
  });

  it('deleting a default operator clears it from the defaults; chats then go by the mode', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 3, { settings: { defaultOperators: { regular: 'op1', target: 'op1' } } });
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: 'op1', assignedBy: 'default' });

    await deleteOperator(deps, siteId, 'op1');

    expect((await requireSite(deps, siteId)).settings.defaultOperators).toEqual({ regular: null, target: null });
    for (const clientType of ['regular', 'target', 'regular', 'target'] as const) {
      const { chat } = await chatFor(deps, siteId, { clientType });
      expect(chat.assignedBy).toBe('queue');
      expect(['op2', 'op3']).toContain(chat.operatorId);
    }
  });

  it('deleting an operator clears only the defaults that name it', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 3, { settings: { defaultOperators: { regular: 'op1', target: 'op2' } } });
    await deleteOperator(deps, siteId, 'op1');
    expect((await requireSite(deps, siteId)).settings.defaultOperators).toEqual({ regular: null, target: 'op2' });
    expect((await chatFor(deps, siteId, { clientType: 'target' })).chat).toMatchObject({ operatorId: 'op2', assignedBy: 'default' });
  });
});

describe("the visitor's choice", () => {
  it('is refused with 403 visitor_choice_disabled when the site does not allow it, and assigns nothing', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 2);
    await expectDomainError(chatFor(deps, siteId, { operatorId: 'op1' }), 403, 'visitor_choice_disabled');
    const operators = await listOperators(deps, siteId);
    expect(operators.map((operator) => operator.assigned)).toEqual([0, 0]);
  });

  it('is 404 operator_not_found for an unknown operator and 409 operator_unavailable for an away one', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 2, { settings: { allowVisitorChoice: true } });
    await setOperatorStatus(deps, siteId, 'op2', 'away');

    await expectDomainError(chatFor(deps, siteId, { operatorId: 'ghost' }), 404, 'operator_not_found');
    await expectDomainError(chatFor(deps, siteId, { operatorId: 'op2' }), 409, 'operator_unavailable');
    const operators = await listOperators(deps, siteId);
    expect(operators.map((operator) => operator.assigned)).toEqual([0, 0]);
  });

  it('gives the chosen operator the chat over the default and the queue head: assignedBy visitor', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 3, {
      settings: { allowVisitorChoice: true, defaultOperators: { regular: 'op1', target: 'op1' } },
    });
    const result = await chatFor(deps, siteId, { operatorId: 'op3' });
    expect(result.chat).toMatchObject({ status: 'assigned', operatorId: 'op3', assignedBy: 'visitor' });
    expect(result.operator?.id).toBe('op3');
    expect((await deps.store.getChat(siteId, result.chat.id))?.chat).toEqual(result.chat);
    const operators = byId(await listOperators(deps, siteId));
    expect(operators.get('op3')).toMatchObject({ assigned: 1, activeChats: 1, lastAssignedAt: iso(deps.clock()) });
  });
});

describe('every assignment records its time on the operator, whatever the rule', () => {
  async function threeAssignedOnce(deps: EngineDeps, clock: ReturnType<typeof testEngine>['clock']) {
    const { siteId } = await siteWithOperators(deps, 3, { settings: { heartbeatTimeoutSeconds: 3600, allowVisitorChoice: true } });
    const order: string[] = [];
    for (let minute = 1; minute <= 3; minute += 1) {
      clock.set(T0 + minute * 60_000);
      const { chat } = await chatFor(deps, siteId);
      expect(chat.assignedBy).toBe('queue');
      order.push(chat.operatorId!);
    }
    expect(new Set(order).size).toBe(3);
    return { siteId, order };
  }

  it('a default assignment to the earliest operator sends the next queue chat to the next-earliest', async () => {
    const { deps, clock } = testEngine();
    const { siteId, order } = await threeAssignedOnce(deps, clock);
    const [first, second] = order;

    await updateSettings(deps, siteId, { defaultOperators: { target: first! } });
    clock.set(T0 + 4 * 60_000);
    expect((await chatFor(deps, siteId, { clientType: 'target' })).chat).toMatchObject({ operatorId: first, assignedBy: 'default' });
    expect(byId(await listOperators(deps, siteId)).get(first!)?.lastAssignedAt).toBe(iso(T0 + 4 * 60_000));

    clock.set(T0 + 5 * 60_000);
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: second, assignedBy: 'queue' });
  });

  it("a visitor's choice of the earliest operator sends the next queue chat to the next-earliest", async () => {
    const { deps, clock } = testEngine();
    const { siteId, order } = await threeAssignedOnce(deps, clock);
    const [first, second, third] = order;

    clock.set(T0 + 4 * 60_000);
    expect((await chatFor(deps, siteId, { operatorId: first! })).chat).toMatchObject({ operatorId: first, assignedBy: 'visitor' });
    expect(byId(await listOperators(deps, siteId)).get(first!)?.lastAssignedAt).toBe(iso(T0 + 4 * 60_000));

    clock.set(T0 + 5 * 60_000);
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: second, assignedBy: 'queue' });
    clock.set(T0 + 6 * 60_000);
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: third, assignedBy: 'queue' });
    clock.set(T0 + 7 * 60_000);
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: first, assignedBy: 'queue' });
  });
});
