import { describe, expect, it } from 'vitest';
import type { ClaimGuard } from '../../lib/domain/distribution/index.js';
import { hashToken, timeOrderedId } from '../../lib/domain/ids.js';
import type { Chat, Operator } from '../../lib/domain/model.js';
import { requireOperator } from '../../lib/engine/operators.js';
import { requireSite } from '../../lib/engine/sites.js';
import { siteWithOperators } from '../support/fixtures.js';
import { testEngine } from '../support/engine.js';

/**
 * The store's side of a mode's claim guard (lib/domain/distribution/mode.ts ClaimGuard): every
 * field the guard names must still be as read when the claim lands, or the claim is 'lost' and
 * writes nothing; a field it does not name may have moved.
 */
describe('the claim guard', () => {
  async function setUp(maxChats: number | null = null) {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1, { maxChats });
    const { settings } = await requireSite(deps, siteId);
    let visitor = 0;
    async function claim(guard: ClaimGuard, read?: Operator) {
      clock.advance(1000);
      const operator = read ?? (await requireOperator(deps, siteId, 'op1')).operator;
      const nowMs = clock.now();
      const chat: Chat = {
        id: timeOrderedId(nowMs),
        siteId,
        visitorId: `v${(visitor += 1)}`,
        clientType: 'regular',
        status: 'assigned',
        operatorId: operator.id,
        assignedBy: 'queue',
        createdAt: new Date(nowMs).toISOString(),
        closedAt: null,
        group: null,
        assignedAt: null,
        acceptedAt: null,
        missedBy: [],
        contact: { name: null, email: null },
      };
      return deps.store.claim({ settings, operator, guard, chat, chatTokenHash: hashToken(chat.id), nowMs });
    }
    const current = async () => (await requireOperator(deps, siteId, 'op1')).operator;
    const inQueue = async () => (await deps.store.readQueue(siteId, {})).operators.some((operator) => operator.id === 'op1');
    return { claim, current, inQueue };
  }

  it('on the turn: lands only on the turn read, and moves it on by one', async () => {
    const { claim, current } = await setUp();
    const read = await current();
    expect(await claim({ turn: read.turn })).toBe('claimed');
    expect(await current()).toMatchObject({ turn: read.turn + 1, activeChats: 1, assigned: 1 });

    // Lost: it returns the operator as it is, so the caller need not read it.
    expect(await claim({ turn: read.turn }, read)).toEqual({ lost: await current() });
    expect(await current()).toMatchObject({ turn: read.turn + 1, activeChats: 1, assigned: 1 });
  });

  it('on the count of open chats: lands only on the count read', async () => {
    const { claim, current } = await setUp();
    const read = await current();
    expect(await claim({ activeChats: read.activeChats })).toBe('claimed');
    expect(await claim({ activeChats: read.activeChats }, read)).toMatchObject({ lost: { id: read.id } });
    expect(await current()).toMatchObject({ turn: read.turn + 1, activeChats: 1, assigned: 1 });
  });

  it('empty: lands on the available operator whatever moved since the read', async () => {
    const { claim, current } = await setUp();
    const read = await current();
    expect(await claim({})).toBe('claimed');
    expect(await claim({}, read)).toBe('claimed');
    expect(await current()).toMatchObject({ turn: read.turn + 2, activeChats: 2, assigned: 2 });
  });

  it('whatever it guards, the claim that fills the operator takes it out of the queue index', async () => {
    for (const guardOf of [
      (): ClaimGuard => ({}),
      (operator: { turn: number }): ClaimGuard => ({ turn: operator.turn }),
      (operator: { activeChats: number }): ClaimGuard => ({ activeChats: operator.activeChats }),
    ]) {
      const { claim, current, inQueue } = await setUp(2);
      expect(await claim(guardOf(await current()))).toBe('claimed');
      expect(await inQueue()).toBe(true);
      expect(await claim(guardOf(await current()))).toBe('claimed');
      expect(await inQueue()).toBe(false);
      expect((await current()).activeChats).toBe(2);
    }
  });
});
