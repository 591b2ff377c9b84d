import { describe, expect, it } from 'vitest';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import { setOperatorStatus } from '../../lib/engine/operators.js';
import { siteStats } from '../../lib/engine/stats.js';
import { updateSettings } from '../../lib/engine/sites.js';
import { testEngine } from '../support/engine.js';
import { chatFor, siteWithOperators } from '../support/fixtures.js';

const DAY_MS = 86_400_000;

describe('returning visitors (returningVisitorDays)', () => {
  it('go back to the operator of their last assigned chat within the window, before the distribution', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 3, { settings: { returningVisitorDays: 7 } });
    const first = await chatFor(deps, siteId, { visitorId: 'vera' });
    const previous = first.chat.operatorId!;
    await closeChat(deps, await requireChat(deps, siteId, first.chat.id));
    // Other visitors move the queue on: by queue order the next chat would go elsewhere.
    for (let i = 0; i < 3; i += 1) {
      clock.advance(1000);
      await chatFor(deps, siteId);
    }
    clock.advance(6 * DAY_MS);
    // Days later the operators are back (coming online counts as a heartbeat).
    for (const id of ['op1', 'op2', 'op3']) await setOperatorStatus(deps, siteId, id, 'online');
    const again = await chatFor(deps, siteId, { visitorId: 'vera' });
    expect(again.chat).toMatchObject({ operatorId: previous, assignedBy: 'returning' });

    // Past the window (counted from this last assignment): the distribution decides again.
    clock.advance(7 * DAY_MS + 1000);
    for (const id of ['op1', 'op2', 'op3']) await setOperatorStatus(deps, siteId, id, 'online');
    const late = await chatFor(deps, siteId, { visitorId: 'vera' });
    expect(late.chat.assignedBy).toBe('queue');
  });

  it('come after a chosen and a default operator, and fall back to the distribution when theirs is unavailable', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 3, { settings: { returningVisitorDays: 30, allowVisitorChoice: true, maxOpenChatsPerVisitor: null } });
    const first = await chatFor(deps, siteId, { visitorId: 'vic' });
    const previous = first.chat.operatorId!;
    const other = ['op1', 'op2', 'op3'].find((id) => id !== previous)!;
    clock.advance(1000);
    expect((await chatFor(deps, siteId, { visitorId: 'vic', operatorId: other })).chat).toMatchObject({ operatorId: other, assignedBy: 'visitor' });
    // Now `other` is vic's last operator. A default operator comes first.
    const third = ['op1', 'op2', 'op3'].find((id) => id !== previous && id !== other)!;
    await updateSettings(deps, siteId, { defaultOperators: { regular: third } });
    clock.advance(1000);
    expect((await chatFor(deps, siteId, { visitorId: 'vic' })).chat).toMatchObject({ operatorId: third, assignedBy: 'default' });
    await updateSettings(deps, siteId, { defaultOperators: { regular: null } });
    // Its last operator (the default, now) is away: the distribution decides.
    await setOperatorStatus(deps, siteId, third, 'away');
    clock.advance(1000);
    const fallback = await chatFor(deps, siteId, { visitorId: 'vic' });
    expect(fallback.chat.assignedBy).toBe('queue');
    expect(fallback.chat.operatorId).not.toBe(third);
  });

  it('are off by default, and the stats count the chats that went back', async () => {
    const { deps, clock } = testEngine();
    const { siteId } = await siteWithOperators(deps, 2);
    const a = await chatFor(deps, siteId, { visitorId: 'val' });
    clock.advance(1000);
    const b = await chatFor(deps, siteId, { visitorId: 'val' });
    expect(b.chat.operatorId).not.toBe(a.chat.operatorId);
    await updateSettings(deps, siteId, { returningVisitorDays: 1 });
    clock.advance(1000);
    const c = await chatFor(deps, siteId, { visitorId: 'val', clientType: 'regular' });
    expect(c.chat).toMatchObject({ operatorId: b.chat.operatorId, assignedBy: 'returning' });
    const stats = await siteStats(deps, siteId, {});
    const total = stats.operators.reduce((sum, operator) => sum + operator.byMethod.returning, 0);
    expect(total).toBe(1);
  });
});
