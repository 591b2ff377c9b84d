import { describe, expect, it } from 'vitest';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import { listOperators } from '../../lib/engine/operators.js';
import { updateSettings } from '../../lib/engine/sites.js';
import { testEngine } from '../support/engine.js';
import { chatFor, countBy, siteWithOperators } from '../support/fixtures.js';

describe('least-busy distribution on DynamoDB Local', () => {
  it('gives the chat to the operator with the fewest open chats, even one assigned a moment ago', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 3, { settings: { distribution: 'least-busy' } });
    const chats = [];
    for (let i = 0; i < 6; i += 1) {
      clock.advance(1000);
      chats.push(await chatFor(deps, siteId));
    }
    // Two each, by load then queue order.
    expect([...countBy(chats, (result) => result.chat.operatorId).values()]).toEqual([2, 2, 2]);
    expect(chats.every((result) => result.chat.assignedBy === 'least-busy')).toBe(true);
    // The operator of the newest chat closes both of its chats: it is the least busy now.
    const newest = chats.at(-1)!.chat.operatorId!;
    for (const result of chats.filter((entry) => entry.chat.operatorId === newest)) {
      await closeChat(deps, await requireChat(deps, siteId, result.chat.id));
    }
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat.operatorId).toBe(newest);
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat.operatorId).toBe(newest);
    // Now all at 2: the earliest last assignment goes first.
    clock.advance(1000);
    const next = await chatFor(deps, siteId);
    const firstAssigned = chats[0]!.chat.operatorId;
    expect(next.chat.operatorId).toBe(firstAssigned);
  });

  it('50 at once over 10 operators, five times: every operator ends with 5 open chats, each claim counted once', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { deps, clock } = testEngine();
      const engine = { ...deps, clock: clock.ticking };
      const { siteId } = await siteWithOperators(engine, 10, { settings: { distribution: 'least-busy' } });
      const results = await Promise.all(Array.from({ length: 50 }, () => chatFor(engine, siteId)));
      expect(results.every((result) => result.chat.status === 'assigned')).toBe(true);
      const operators = await listOperators(deps, siteId);
      const open = operators.map((operator) => operator.activeChats);
      expect(Math.max(...open) - Math.min(...open)).toBeLessThanOrEqual(1);
      const counts = countBy(results, (result) => result.chat.operatorId);
      for (const operator of operators) expect(operator.activeChats).toBe(counts.get(operator.id));
    }
  });

  it('switching a site to least-busy and back keeps every rule: the load order is kept by every claim and close', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 2);
    clock.advance(1000);
    const first = await chatFor(deps, siteId);
    clock.advance(1000);
    await chatFor(deps, siteId);
    await updateSettings(deps, siteId, { distribution: 'least-busy' });
    await closeChat(deps, await requireChat(deps, siteId, first.chat.id));
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ operatorId: first.chat.operatorId, assignedBy: 'least-busy' });
    await updateSettings(deps, siteId, { distribution: 'queue' });
    clock.advance(1000);
    expect((await chatFor(deps, siteId)).chat.assignedBy).toBe('queue');
  });
});
