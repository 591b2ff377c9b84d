import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { requireChat } from '../../lib/engine/chats.js';
import { putGroup } from '../../lib/engine/groups.js';
import { setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { createSite } from '../../lib/engine/sites.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { dispatchBatch } from '../../lib/jobs/dispatch-waiting-chats.js';
import { operatorKey } from '../../lib/store/entities/operator.js';
import { testDocumentClient, testEngine } from '../support/engine.js';

const record = (image: Record<string, unknown>, sequence: number): DynamoDBRecord => ({
  eventName: 'MODIFY',
  eventSourceARN: 'arn:aws:dynamodb:local:000000000000:table/t/stream/1',
  dynamodb: { NewImage: marshall(image, { removeUndefinedValues: true }) as Record<string, AttributeValue>, SequenceNumber: String(sequence) },
});

describe('a batch of stream records for the dispatcher', () => {
  it('takes the last of an operator’s records as the operator: one that joined a group after coming online takes the group’s waiting chat', async () => {
    const { deps, tableName } = testEngine();
    const { siteId } = await createSite(deps, { name: 'Batch' });
    await putGroup(deps, siteId, 'billing', { name: 'Billing' });
    await upsertOperator(deps, siteId, 'op1', { name: 'op1', groups: ['billing'] });
    await upsertOperator(deps, siteId, 'op2', { name: 'op2' });
    await setOperatorStatus(deps, siteId, 'op2', 'online');
    const { Item: online } = await testDocumentClient().send(new GetCommand({ TableName: tableName, Key: operatorKey(siteId, 'op2'), ConsistentRead: true }));
    const waiting = await startChat(deps, siteId, { visitorId: 'v', clientType: 'regular', group: 'billing' });
    expect(waiting.chat.status).toBe('waiting');

    // Op2 joins the group; its two records (online, then the join) reach the dispatcher in one batch.
    await upsertOperator(deps, siteId, 'op2', { name: 'op2', groups: ['billing'] });
    const { Item: joined } = await testDocumentClient().send(new GetCommand({ TableName: tableName, Key: operatorKey(siteId, 'op2'), ConsistentRead: true }));
    expect(online?.groups ?? []).toEqual([]);
    const event: DynamoDBStreamEvent = { Records: [record(online!, 1), record(joined!, 2)] };
    await dispatchBatch(deps, event);
    expect((await requireChat(deps, siteId, waiting.chat.id)).chat).toMatchObject({ status: 'assigned', operatorId: 'op2', group: 'billing' });
  });
});
