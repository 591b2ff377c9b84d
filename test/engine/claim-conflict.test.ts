import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { requireOperator } from '../../lib/engine/operators.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { siteWithOperators } from '../support/fixtures.js';
import { faultyEngine, transactionConflict } from '../support/faults.js';

/**
 * On real DynamoDB a claim can be cancelled because another transaction (a close, say) was on the
 * operator item at that moment. Nothing changed, so the retry must still see the operator as
 * a candidate, even when it is the only one.
 */
describe('a claim cancelled by a transaction conflict', () => {
  it('is retried on the same operator and the chat is assigned', async () => {
    const engine = faultyEngine({ tableName: inject('tableName') });
    const { deps } = engine;
    const { siteId } = await siteWithOperators(deps, 1);
    engine.failNext('TransactWriteItemsCommand', () => transactionConflict(2, 0));
    engine.failNext('TransactWriteItemsCommand', () => transactionConflict(2, 0));

    const { chat } = await startChat(deps, siteId, { visitorId: 'v', clientType: 'regular' });

    expect(engine.pendingFaults).toBe(0);
    expect(chat).toMatchObject({ status: 'assigned', operatorId: 'op1', assignedBy: 'queue' });
    expect((await requireOperator(deps, siteId, 'op1')).operator.activeChats).toBe(1);
  });
});
