import { describe, expect, it } from 'vitest';
import type { Chat } from '../../lib/domain/model.js';
import { counterDeltas, waitBucket, waitPercentiles, countersOf } from '../../lib/domain/stat-counters.js';
import { chatStats } from '../../lib/domain/stats.js';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import { dispatchWaiting } from '../../lib/engine/dispatch.js';
import { handleDeadline } from '../../lib/engine/handle-deadline.js';
import { setOperatorStatus } from '../../lib/engine/operators.js';
import { transferChatFor } from '../../lib/engine/reassign.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { siteStats } from '../../lib/engine/stats.js';
import { timeOrderedIdFloor } from '../../lib/domain/ids.js';
import { keepingDeadlines, T0, testEngine } from '../support/engine.js';
import { siteWithOperators } from '../support/fixtures.js';

const DAY = 86_400_000;

const chat = (overrides: Partial<Chat>): Chat => ({
  id: 'c1',
  siteId: 's1',
  visitorId: 'v1',
  clientType: 'regular',
  status: 'assigned',
  operatorId: 'op1',
  assignedBy: 'queue',
  createdAt: '2026-11-24T12:00:00.000Z',
  closedAt: null,
  group: null,
  assignedAt: '2026-11-24T12:00:00.000Z',
  acceptedAt: null,
  missedBy: [],
  contact: { name: null, email: null },
  ...overrides,
});

describe('statistics counters (pure)', () => {
  it('count what changes: a new assignment, a take-back (a miss), a transfer, a close (nothing)', () => {
    const assigned = chat({});
    expect(Object.fromEntries(counterDeltas(null, assigned))).toEqual({ '2026-11-24#op1': { assigned: 1, by_queue: 1, w0: 1 } });
    const takenBack = chat({ status: 'waiting', operatorId: null, assignedBy: null, assignedAt: null, missedBy: ['op1'] });
    expect(Object.fromEntries(counterDeltas(assigned, takenBack))).toEqual({ '2026-11-24#op1': { assigned: -1, by_queue: -1, w0: -1, missed: 1 } });
    const transferred = chat({ operatorId: 'op2', assignedBy: 'transfer', assignedAt: '2026-11-24T12:00:30.000Z' });
    expect(Object.fromEntries(counterDeltas(assigned, transferred))).toEqual({
      '2026-11-24#op1': { assigned: -1, by_queue: -1, w0: -1 },
      '2026-11-24#op2': { assigned: 1, by_transfer: 1, [`w${waitBucket(30)}`]: 1, [`s${waitBucket(30)}`]: 30_000 },
    });
    expect(counterDeltas(assigned, chat({ status: 'closed', closedAt: '2026-11-25T00:00:00.000Z' })).size).toBe(0);
    // Closed while waiting: one chat without an operator, on the day it was created.
    expect(Object.fromEntries(counterDeltas(chat({ status: 'waiting', operatorId: null, assignedBy: null, assignedAt: null }), chat({ status: 'closed', operatorId: null, assignedBy: null, assignedAt: null })))).toEqual({
      '2026-11-24#~': { unassigned: 1 },
    });
  });

  it('reads percentiles from log-scale buckets within 19 %, exactly when a bucket holds one value', () => {
    const waits = Array.from({ length: 1000 }, (_, index) => 0.05 * 1.013 ** index);
    const chats = waits.map((seconds, index) =>
      chat({ id: `c${index}`, assignedAt: new Date(Date.parse('2026-11-24T12:00:00.000Z') + Math.round(seconds * 1000)).toISOString() }),
    );
    const read = waitPercentiles(countersOf(chats).get('2026-11-24#op1')!)!;
    const exact = waits.map((seconds) => Math.round(seconds * 1000) / 1000).sort((a, b) => a - b);
    const p = (q: number) => exact[Math.ceil(q * exact.length) - 1]!;
    for (const [got, want] of [[read.p50, p(0.5)], [read.p90, p(0.9)], [read.max, exact.at(-1)!]] as const) {
      expect(Math.abs(got - want) / want).toBeLessThan(0.19);
    }
    expect(waitPercentiles(countersOf([chat({ assignedAt: '2026-11-24T12:00:42.000Z' })]).get('2026-11-24#op1')!)).toEqual({ p50: 42, p90: 42, max: 42 });
    for (let seconds = 0.01; seconds < 200_000; seconds *= 1.7) expect(waitBucket(seconds * 1.7)).toBeGreaterThanOrEqual(waitBucket(seconds));
  });
});

describe('statistics counters (DynamoDB Local)', () => {
  it('always equal the counts read from the chats, after concurrent starts, dispatches, misses, transfers, operators leaving and closes', async () => {
    const engine = testEngine();
    const { deps, sent } = keepingDeadlines({ ...engine.deps, clock: engine.clock.ticking });
    const { siteId, ids } = await siteWithOperators(deps, 4, {
      maxChats: 2,
      settings: { queueEnabled: true, maxWaitSeconds: 600, answerTimeoutSeconds: 30, allowVisitorChoice: true },
    });
    const admin = { role: 'admin', siteId } as const;
    const fireDeadlines = async () => {
      const due = sent.splice(0);
      await Promise.allSettled(due.map((deadline) => handleDeadline(deps, deadline)));
    };
    const allChats = () => deps.store.listChats(siteId, { fromId: timeOrderedIdFloor(0), toId: timeOrderedIdFloor(T0 + 10 * DAY) });
    const openOf = async () => (await allChats()).filter((c) => c.status === 'assigned');

    let transfers = 0;
    for (const day of [0, 1]) {
      engine.clock.set(T0 + day * DAY);
      for (const id of ids) await setOperatorStatus(deps, siteId, id, 'online');
      // 24 visitors at once, some asking for an operator by name: 8 get one, the rest wait.
      await Promise.allSettled(
        Array.from({ length: 24 }, (_, index) =>
          startChat(deps, siteId, { visitorId: `v${day}-${index}`, clientType: 'regular', ...(index % 5 === 0 ? { operatorId: ids[index % 4] } : {}) }),
        ),
      );
      // Operators close some chats while two dispatchers race for the freed slots.
      const open = await openOf();
      await Promise.allSettled([
        ...open.slice(0, 3).map(async (c) => closeChat(deps, await requireChat(deps, siteId, c.id))),
        dispatchWaiting(deps, siteId),
        dispatchWaiting(deps, siteId),
      ]);
      // Nobody answers for 30 s: the unaccepted chats are taken back, and go out again.
      engine.clock.advance(31_000);
      await fireDeadlines();
      await Promise.allSettled([dispatchWaiting(deps, siteId), dispatchWaiting(deps, siteId)]);
      // A transfer (to an operator given room first), an operator leaving with its chats, a waiting visitor giving up.
      const [first, ...others] = await openOf();
      const target = others.find((c) => c.operatorId !== first?.operatorId);
      if (target) await closeChat(deps, await requireChat(deps, siteId, target.id));
      const leaving = others.find((c) => c.operatorId !== first?.operatorId && c.operatorId !== target?.operatorId);
      await Promise.allSettled([
        first && target ? transferChatFor(deps, siteId, first.id, admin, { operatorId: target.operatorId! }).then(() => (transfers += 1)) : Promise.resolve(),
        leaving ? setOperatorStatus(deps, siteId, leaving.operatorId!, 'offline') : Promise.resolve(),
      ]);
      const waiting = (await allChats()).find((c) => c.status === 'waiting');
      if (waiting) await closeChat(deps, await requireChat(deps, siteId, waiting.id));
      // The longest waits end unassigned.
      engine.clock.advance(601_000);
      await Promise.allSettled([dispatchWaiting(deps, siteId), fireDeadlines()]);
    }

    const chats = await allChats();
    // The workload reached every kind of count.
    expect(chats.some((c) => c.operatorId !== null && c.assignedBy !== 'transfer')).toBe(true);
    expect(chats.some((c) => c.missedBy.length > 0)).toBe(true);
    expect(transfers).toBeGreaterThan(0);
    expect(chats.some((c) => c.operatorId === null && c.status !== 'waiting')).toBe(true);

    const operatorIds = (await deps.store.listOperators(siteId)).map((operator) => operator.id);
    const days = ['2026-11-24', '2026-11-25'];
    const fromCounters = await siteStats(deps, siteId, { from: new Date(T0 - 12 * 3_600_000), to: new Date(T0 + DAY + 12 * 3_600_000 - 1) });
    const { waiting: _waiting, ...counted } = fromCounters;
    expect(counted).toEqual(chatStats(chats, operatorIds, days));
    // All time, and a period that starts and ends inside a day (read from that part's chats).
    const { waiting: _w, ...allTime } = await siteStats(deps, siteId, {});
    expect(allTime).toEqual(chatStats(chats, operatorIds, days));
    const from = new Date(T0 + 20_000);
    const to = new Date(T0 + DAY + 40_000);
    const inside = chats.filter((c) => Date.parse(c.createdAt) >= from.getTime() && Date.parse(c.createdAt) <= to.getTime());
    const { waiting: _x, ...partial } = await siteStats(deps, siteId, { from, to });
    expect(partial).toEqual(chatStats(inside, operatorIds, days));
  });
});
