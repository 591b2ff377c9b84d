import { describe, expect, it } from 'vitest';
import { chatStats, reportDays } from '../../lib/domain/stats.js';
import { dispatchWaiting } from '../../lib/engine/dispatch.js';
import { handleDeadline } from '../../lib/engine/handle-deadline.js';
import { setOperatorStatus } from '../../lib/engine/operators.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { siteStats } from '../../lib/engine/stats.js';
import { keepingDeadlines, T0, testEngine } from '../support/engine.js';
import { siteWithOperators } from '../support/fixtures.js';

const DAY = 86_400_000;

describe('statistics v2', () => {
  it('counts misses (per operator too), the wait for an operator, how many wait now, and a line per UTC day', async () => {
    const engine = testEngine();
    const { deps, sent } = keepingDeadlines({ ...engine.deps, clock: engine.clock.now });
    // Day one, 12:00: op1 gets a chat it never answers; after 30 s it goes to op2.
    const { siteId } = await siteWithOperators(deps, 2, { settings: { answerTimeoutSeconds: 30, allowVisitorChoice: true } });
    const missed = (await startChat(deps, siteId, { visitorId: 'v1', clientType: 'regular', operatorId: 'op1' })).chat;
    engine.clock.advance(30_000);
    await handleDeadline(deps, sent.find((deadline) => 'chatId' in deadline && deadline.chatId === missed.id)!);
    await dispatchWaiting(deps, siteId);
    // Day two: a chat assigned at once, then with nobody online, one waits and stays waiting.
    engine.clock.set(T0 + DAY);
    await setOperatorStatus(deps, siteId, 'op2', 'online');
    await startChat(deps, siteId, { visitorId: 'v2', clientType: 'regular', operatorId: 'op2' });
    await setOperatorStatus(deps, siteId, 'op1', 'offline');
    await setOperatorStatus(deps, siteId, 'op2', 'offline');
    await startChat(deps, siteId, { visitorId: 'v3', clientType: 'regular' });

    const stats = await siteStats(deps, siteId, { from: new Date(T0 - DAY), to: new Date(T0 + DAY) });
    expect(stats).toMatchObject({ unassigned: 0, waiting: 1, missed: 1 });
    expect(stats.operators.map(({ id, assigned, missed: misses }) => ({ id, assigned, missed: misses }))).toEqual([
      { id: 'op1', assigned: 0, missed: 1 },
      { id: 'op2', assigned: 2, missed: 0 },
    ]);
    // The reassigned chat waited 30 s for the operator it has; the other none.
    expect(stats.waitSeconds).toEqual({ p50: 0, p90: 30, max: 30 });
    expect(stats.days.map(({ date, assigned, unassigned, missed: misses, byMethod, waitSeconds }) => ({ date, assigned, unassigned, missed: misses, queue: byMethod.queue, visitor: byMethod.visitor, waitSeconds }))).toEqual([
      { date: '2026-11-23', assigned: 0, unassigned: 0, missed: 0, queue: 0, visitor: 0, waitSeconds: null },
      { date: '2026-11-24', assigned: 1, unassigned: 0, missed: 1, queue: 1, visitor: 0, waitSeconds: { p50: 30, p90: 30, max: 30 } },
      { date: '2026-11-25', assigned: 1, unassigned: 0, missed: 0, queue: 0, visitor: 1, waitSeconds: { p50: 0, p90: 0, max: 0 } },
    ]);
    // Without `from`: the site's whole life, from its first chat's day.
    expect((await siteStats(deps, siteId, {})).days.map((day) => day.date)).toEqual(['2026-11-24', '2026-11-25']);
  });

  it('lists at most the last 366 days, and nothing for no chats', () => {
    const days = reportDays(Date.UTC(2020, 0, 1), Date.UTC(2024, 11, 31, 23));
    expect([days.length, days[0], days.at(-1)]).toEqual([366, '2024-01-01', '2024-12-31']);
    expect(chatStats([], ['a'], [])).toMatchObject({ missed: 0, waitSeconds: null, days: [] });
  });
});
