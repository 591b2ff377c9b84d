import { describe, expect, it } from 'vitest';
import { closeChat, listOpenChats, requireChat } from '../../lib/engine/chats.js';
import { deleteOperator, requireOperator, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { chatFor, siteWithOperators } from '../support/fixtures.js';
import { testEngine } from '../support/engine.js';

describe('an operator deleted and re-created under the same id', () => {
  it('does not inherit the chats of its predecessor: not in its list, not against its capacity', async () => {
    const { deps } = testEngine();
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 2 });
    const old = (await chatFor(deps, siteId)).chat;
    expect(old.operatorId).toBe('op1');

    await deleteOperator(deps, siteId, 'op1');
    await upsertOperator(deps, siteId, 'op1', { name: 'Op one again', maxChats: 2 });
    await setOperatorStatus(deps, siteId, 'op1', 'online');
    const current = (await chatFor(deps, siteId)).chat;
    expect(current.operatorId).toBe('op1');

    expect((await listOpenChats(deps, siteId, 'op1')).map((chat) => chat.id)).toEqual([current.id]);
    const closed = await closeChat(deps, await requireChat(deps, siteId, old.id));
    expect(closed.status).toBe('closed');
    expect((await requireOperator(deps, siteId, 'op1')).operator.activeChats).toBe(1);
    expect((await listOpenChats(deps, siteId, 'op1')).map((chat) => chat.id)).toEqual([current.id]);

    await closeChat(deps, await requireChat(deps, siteId, current.id));
    expect((await requireOperator(deps, siteId, 'op1')).operator.activeChats).toBe(0);
  });
});
