import type { DynamoDBRecord } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { passesFilters } from '../../infra/local/event-filter.js';
import { startStreamReader, type StreamReader } from '../../infra/local/stream-reader.js';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { deleteOperator, recordHeartbeat, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { DISPATCH_FILTER_PATTERNS } from '../../lib/jobs/dispatch-waiting-chats.js';
import { inject } from 'vitest';
import { isolatedTable, testDocumentClient, testEngine, type TestEngine } from '../support/engine.js';
import { operatorKey } from '../../lib/store/entities/operator.js';
import { handleDeadline } from '../../lib/engine/handle-deadline.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { chatFor, siteWithOperators } from '../support/fixtures.js';

/**
 * Which writes wake the dispatcher: every stream record DynamoDB Local gives for each write, run
 * through the filter patterns (the ones the CDK stack hands Lambda's event filtering, and the
 * local stream reader applies).
 */
let engine: TestEngine;
let deps: EngineDeps;
let reader: StreamReader;
const records: DynamoDBRecord[] = [];

beforeAll(async () => {
  engine = testEngine({ tableName: await isolatedTable('filter') });
  deps = { ...engine.deps, clock: engine.clock.ticking };
  reader = await startStreamReader({
    endpoint: inject('dynamoEndpoint'),
    tableName: engine.tableName,
    filterPatterns: [{}],
    invoke: async (event) => {
      // Not the reader's own sentinel items (see StreamReader.drained).
      records.push(...event.Records.filter((record) => record.dynamodb?.Keys?.pk?.S !== 'STREAM#SENTINEL'));
    },
  });
});
afterAll(() => reader.stop());

const describeRecord = (record: DynamoDBRecord) => {
  const image = unmarshall((record.dynamodb?.NewImage ?? record.dynamodb?.OldImage ?? {}) as Record<string, AttributeValue>);
  return `${record.eventName} ${String(image.type)} ${passesFilters(record, DISPATCH_FILTER_PATTERNS) ? 'wakes' : '-'}`;
};

/** Until two passes of the stream in a row bring nothing new (what earlier steps wrote is in). */
async function quiet() {
  let seen = -1;
  while (seen !== records.length) {
    seen = records.length;
    await reader.drained();
    await reader.drained();
  }
}

/**
 * The records one step writes, as "<event> <item type> <wakes the dispatcher or ->", once all of
 * them have come (a stream record may become readable a while after its write): waits until
 * they are exactly `expected` (in any order), or fails after 20 s.
 */
async function expectRecords(step: () => Promise<unknown>, expected: string[]) {
  await quiet();
  records.length = 0;
  await step();
  await vi.waitFor(() => expect(records.map(describeRecord).sort()).toEqual([...expected].sort()), { timeout: 20_000, interval: 100 });
}

/** Random mode's slot following a status change (store/dynamo/random-slots.ts): none of its writes wakes the dispatcher. */
const TAKES_SLOT = ['MODIFY site -', 'INSERT random-slot -', 'MODIFY operator -'];
const GIVES_BACK_LAST_SLOT = ['MODIFY site -', 'REMOVE random-slot -', 'MODIFY operator -'];
/** The last slot's operator moves into the one given back. */
const GIVES_BACK_SLOT = ['MODIFY site -', 'MODIFY random-slot -', 'REMOVE random-slot -', 'MODIFY operator -', 'MODIFY operator -'];

describe('the records that wake the dispatcher', () => {
  it('a chat that starts waiting wakes it; a claim does not', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1 });
    // The claim fills the operator (maxChats 1), which then leaves the queue index: two operator writes, neither wakes; nor does the day's counter.
    await expectRecords(() => chatFor(deps, siteId), ['MODIFY operator -', 'MODIFY operator -', 'INSERT chat -', 'INSERT visitor -', 'INSERT stats -']);
    await expectRecords(() => chatFor(deps, siteId), ['INSERT chat -', 'INSERT visitor -', 'INSERT waiting wakes']);
  });

  it('a close of an assigned chat wakes it (for an operator that was full, through its return to the queue)', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 2 });
    const { chat } = await chatFor(deps, siteId);
    await expectRecords(async () => closeChat(deps, await requireChat(deps, siteId, chat.id)), [
      'MODIFY chat -',
      'MODIFY operator wakes',
      'MODIFY visitor -',
      'INSERT closes -',
    ]);

    const full = await siteWithOperators(deps, 1, { maxChats: 1 });
    const only = await chatFor(deps, full.siteId);
    // The close itself leaves a full operator out of the queue index; its return wakes the dispatcher.
    await expectRecords(async () => closeChat(deps, await requireChat(deps, full.siteId, only.chat.id)), [
      'MODIFY chat -',
      'MODIFY operator -',
      'MODIFY operator wakes',
      'MODIFY visitor -',
      'INSERT closes -',
    ]);
  });

  it('coming online and a higher maxChats wake it; going away, offline, and heartbeats of a live operator do not', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1, online: false });
    await expectRecords(() => setOperatorStatus(deps, siteId, 'op1', 'online'), ['MODIFY operator wakes', ...TAKES_SLOT]);
    await expectRecords(() => recordHeartbeat(deps, siteId, 'op1'), ['MODIFY operator -']);
    await expectRecords(() => upsertOperator(deps, siteId, 'op1', { name: 'Renamed', maxChats: 1 }), ['MODIFY operator -']);
    await expectRecords(() => upsertOperator(deps, siteId, 'op1', { name: 'Renamed', maxChats: 3 }), ['MODIFY operator wakes']);
    await expectRecords(() => setOperatorStatus(deps, siteId, 'op1', 'away'), ['MODIFY operator -', ...GIVES_BACK_LAST_SLOT]);
    await expectRecords(() => setOperatorStatus(deps, siteId, 'op1', 'offline'), ['MODIFY operator -']);
  });

  it('a liveness check wakes nobody, the first one after coming online included (that write woke it already)', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { online: false });
    await expectRecords(() => setOperatorStatus(deps, siteId, 'op1', 'online'), ['MODIFY operator wakes', ...TAKES_SLOT]);
    const { Item } = await testDocumentClient().send(new GetCommand({ TableName: engine.tableName, Key: operatorKey(siteId, 'op1'), ConsistentRead: true }));
    const dueAtMs = Number(Item?.staleAt);
    engine.clock.set(dueAtMs);
    await expectRecords(async () => expect(await handleDeadline(deps, { kind: 'liveness-check', siteId, operatorId: 'op1', dueAtMs })).toMatchObject({ kind: 'rearmed' }), [
      'MODIFY operator -',
    ]);
  });

  it('an operator who leaves holding chats wakes it (set offline, from online or away, or deleted); one holding none does not', async () => {
    const { siteId } = await siteWithOperators(deps, 3, { settings: { allowVisitorChoice: true } });
    for (const operatorId of ['op1', 'op2', 'op3']) await chatFor(deps, siteId, { operatorId });
    await expectRecords(() => setOperatorStatus(deps, siteId, 'op1', 'offline'), ['MODIFY operator wakes', ...GIVES_BACK_SLOT]);
    await setOperatorStatus(deps, siteId, 'op2', 'away');
    await expectRecords(() => setOperatorStatus(deps, siteId, 'op2', 'offline'), ['MODIFY operator wakes']);
    await expectRecords(() => deleteOperator(deps, siteId, 'op3'), [...GIVES_BACK_LAST_SLOT, 'REMOVE operator wakes', 'REMOVE token -']);
    await upsertOperator(deps, siteId, 'op4', { name: 'Idle' });
    await setOperatorStatus(deps, siteId, 'op4', 'online');
    await expectRecords(() => deleteOperator(deps, siteId, 'op4'), [...GIVES_BACK_LAST_SLOT, 'REMOVE operator -', 'REMOVE token -']);
  });

  it('a heartbeat that brings a stale operator back wakes it', async () => {
    const { siteId } = await siteWithOperators(deps, 1);
    engine.clock.advance(91_000);
    await expectRecords(() => recordHeartbeat(deps, siteId, 'op1'), ['MODIFY operator wakes']);
    await expectRecords(() => recordHeartbeat(deps, siteId, 'op1'), ['MODIFY operator -']);
  });
});
