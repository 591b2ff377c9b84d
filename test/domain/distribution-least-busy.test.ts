import { describe, expect, it } from 'vitest';
import { leastBusyMode, pickLeastBusy } from '../../lib/domain/distribution/least-busy.js';
import { iso, NOW, operatorOf } from '../support/domain.js';
import { seededRandom } from '../support/engine.js';

describe('least-busy mode', () => {
  const random = seededRandom(7);

  it('picks the fewest open chats, whoever was assigned last', () => {
    const operators = [
      operatorOf('long-idle-but-busy', { activeChats: 3, lastAssignedAt: iso(NOW - 3_600_000) }),
      operatorOf('just-assigned', { activeChats: 1, lastAssignedAt: iso(NOW - 1_000) }),
      operatorOf('two', { activeChats: 2, lastAssignedAt: iso(NOW - 60_000) }),
    ];
    expect(pickLeastBusy(operators, random)?.id).toBe('just-assigned');
  });

  it('breaks a tie by queue order: never-assigned first, then the earliest last assignment', () => {
    const tied = [
      operatorOf('later', { activeChats: 1, lastAssignedAt: iso(NOW - 10_000) }),
      operatorOf('earlier', { activeChats: 1, lastAssignedAt: iso(NOW - 50_000) }),
    ];
    expect(pickLeastBusy(tied, random)?.id).toBe('earlier');
    const withNew = [...tied, operatorOf('new-a', { activeChats: 1 }), operatorOf('new-b', { activeChats: 1 })];
    const picked = new Set(Array.from({ length: 200 }, () => pickLeastBusy(withNew, random)?.id));
    expect(picked).toEqual(new Set(['new-a', 'new-b']));
  });

  it('after a lost race spreads at random over those with the fewest open chats only', () => {
    const operators = [
      operatorOf('a', { activeChats: 0, lastAssignedAt: iso(NOW - 1) }),
      operatorOf('b', { activeChats: 0, lastAssignedAt: iso(NOW - 2) }),
      operatorOf('c', { activeChats: 1 }),
    ];
    const picked = new Set(Array.from({ length: 200 }, () => pickLeastBusy(operators, random, true)?.id));
    expect(picked).toEqual(new Set(['a', 'b']));
  });

  it('reads the head of the load order and guards the count of open chats it read', () => {
    expect(leastBusyMode.reads).toBe('load-head');
    expect(leastBusyMode.claimGuard(operatorOf('x', { activeChats: 4, turn: 9 }))).toEqual({ activeChats: 4 });
    expect(pickLeastBusy([], random)).toBeNull();
  });
});
