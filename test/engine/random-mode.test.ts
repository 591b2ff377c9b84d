import { describe, expect, it } from 'vitest';
import { listOperators } from '../../lib/engine/operators.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { inBatches } from '../support/bulk.js';
import { CHI2_DF4_LOWER_P00001, CHI2_DF4_UPPER_P00001, chiSquareUniform } from '../support/domain.js';
import { countBy, siteWithOperators } from '../support/fixtures.js';
import { seededRandom, testEngine } from '../support/engine.js';

const CHATS = 3000;
const OPERATORS = 5;
/** Chat starts in flight at once. */
const CONCURRENCY = 20;

describe('random distribution', () => {
  it(`spreads ${CHATS} chats uniformly over ${OPERATORS} operators (chi-square, 4 df, p = 0.00001)`, async () => {
    const { deps, clock } = testEngine({ random: seededRandom(20261124) });
    const { siteId, ids } = await siteWithOperators(deps, OPERATORS, {
      settings: { distribution: 'random', heartbeatTimeoutSeconds: 3600 },
    });
    const engine = { ...deps, clock: clock.ticking };

    const results = await inBatches(
      Array.from({ length: CHATS }, (_, i) => i),
      CONCURRENCY,
      (i) => startChat(engine, siteId, { visitorId: `v${i}`, clientType: 'regular' }),
    );

    expect(results.every((result) => result.chat.status === 'assigned')).toBe(true);
    expect(results.every((result) => result.chat.assignedBy === 'random')).toBe(true);
    expect(results.every((result) => result.operator?.id === result.chat.operatorId)).toBe(true);
    expect(new Set(results.map((result) => result.chat.id)).size).toBe(CHATS);

    const counts = countBy(results, (result) => result.chat.operatorId);
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    const statistic = chiSquareUniform(ids.map((id) => counts.get(id) ?? 0));
    expect(statistic).toBeLessThan(CHI2_DF4_UPPER_P00001);
    // Too even is not random either: a round-robin would give a statistic of 0.
    expect(statistic).toBeGreaterThan(CHI2_DF4_LOWER_P00001);

    // Every reply was recorded on its operator exactly once.
    const operators = await listOperators(deps, siteId);
    expect(operators).toHaveLength(OPERATORS);
    for (const operator of operators) {
      expect(operator.assigned).toBe(counts.get(operator.id));
      expect(operator.activeChats).toBe(counts.get(operator.id));
    }
  });
});
