import { describe, expect, it } from 'vitest';
import { listOperators } from '../../lib/engine/operators.js';
import { chatFor, countBy, siteWithOperators } from '../support/fixtures.js';
import { testEngine } from '../support/engine.js';

describe('concurrent chat starts on one site', () => {
  it('50 at once over 10 operators, ten times: all answered, no turn taken twice, counts within one', async () => {
    for (let burst = 0; burst < 10; burst += 1) {
      const { deps, clock } = testEngine();
      const engine = { ...deps, clock: clock.ticking };
      const { siteId, ids } = await siteWithOperators(engine, 10);

      const results = await Promise.all(Array.from({ length: 50 }, () => chatFor(engine, siteId)));

      expect(results.every((result) => result.chat.status === 'assigned')).toBe(true);
      expect(new Set(results.map((result) => result.chat.id)).size).toBe(50);
      const counts = countBy(results, (result) => result.chat.operatorId);
      expect([...counts.keys()].sort()).toEqual([...ids].sort());
      expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);

      // Each claim is recorded on the operator exactly once: stored counts and turns match the replies.
      const operators = await listOperators(deps, siteId);
      for (const operator of operators) {
        expect(operator.assigned).toBe(counts.get(operator.id));
        expect(operator.activeChats).toBe(counts.get(operator.id));
        expect(operator.turn).toBe(counts.get(operator.id));
      }
    }
  });

  it('never goes over an operator limit: 5 operators with max 3 chats and 50 at once give 15 assigned, 35 unassigned (queue off)', async () => {
    const { deps, clock } = testEngine();
    const engine = { ...deps, clock: clock.ticking };
    const { siteId } = await siteWithOperators(engine, 5, { maxChats: 3, settings: { queueEnabled: false } });

    const results = await Promise.all(Array.from({ length: 50 }, () => chatFor(engine, siteId)));

    const byStatus = countBy(results, (result) => result.chat.status);
    expect(byStatus.get('assigned')).toBe(15);
    expect(byStatus.get('unassigned')).toBe(35);
    const operators = await listOperators(deps, siteId);
    expect(operators.map((operator) => operator.activeChats)).toEqual([3, 3, 3, 3, 3]);
    const counts = countBy(
      results.filter((result) => result.chat.status === 'assigned'),
      (result) => result.chat.operatorId,
    );
    expect([...counts.values()]).toEqual([3, 3, 3, 3, 3]);
  });
});
