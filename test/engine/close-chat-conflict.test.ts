import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { closeChat, listOpenChats, requireChat } from '../../lib/engine/chats.js';
import { requireOperator } from '../../lib/engine/operators.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { siteWithOperators } from '../support/fixtures.js';
import { faultyEngine, transactionConflict } from '../support/faults.js';

/**
 * On real DynamoDB a transaction that touches an item already in another transaction in flight is
 * cancelled with reason TransactionConflict. A chat close writes the chat and its operator in one
 * transaction, and a chat start (the claim) writes the same operator item in another, so a busy
 * operator closing a chat while being assigned a new one meets this. DynamoDB Local never reports
 * it, so the conflict is injected here, in the shape DynamoDB gives it.
 */
describe('closing a chat when its transaction loses to another one on the operator item', () => {
  it('still closes the chat and frees the operator capacity', async () => {
    const engine = faultyEngine({ tableName: inject('tableName') });
    const { deps, clock } = engine;
    const { siteId } = await siteWithOperators(deps, 1);
    const { chat } = await startChat(deps, siteId, { visitorId: 'v1', clientType: 'regular' });
    expect(chat.operatorId).toBe('op1');

    clock.advance(1000);
    engine.failNext('TransactWriteItemsCommand', () => transactionConflict(2, 1));
    const closed = await closeChat(deps, await requireChat(deps, siteId, chat.id));

    expect(engine.pendingFaults).toBe(0);
    expect(closed.status).toBe('closed');
    expect((await requireChat(deps, siteId, chat.id)).chat.status).toBe('closed');
    expect((await requireOperator(deps, siteId, 'op1')).operator.activeChats).toBe(0);
    expect(await listOpenChats(deps, siteId, 'op1')).toEqual([]);
  });
});
