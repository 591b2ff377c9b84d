import type { DynamoDBRecord } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passesFilters } from '../../infra/local/event-filter.js';
import { startStreamReader, type StreamReader } from '../../infra/local/stream-reader.js';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { recordHeartbeat, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { DISPATCH_FILTER_PATTERNS } from '../../lib/jobs/dispatch-waiting-chats.js';
import { inject } from 'vitest';
import { isolatedTable, testEngine, type TestEngine } from '../support/engine.js';
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

/** The records one step wrote, as [item type, whether the dispatcher's filter passes it]. */
async function recordsOf(step: () => Promise<unknown>) {
  await reader.drained();
  records.length = 0;
  await step();
  await reader.drained();
  return records.map((record) => {
    const image = unmarshall((record.dynamodb?.NewImage ?? record.dynamodb?.OldImage ?? {}) as Record<string, AttributeValue>);
    return `${record.eventName} ${String(image.type)} ${passesFilters(record, DISPATCH_FILTER_PATTERNS) ? 'wakes' : '-'}`;
  });
}

describe('the records that wake the dispatcher', () => {
  it('a chat that starts waiting wakes it; its assignment and a claim do not', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1 });
    // The claim fills the operator (maxChats 1), which then leaves the queue index: two operator writes, neither wakes.
    expect((await recordsOf(() => chatFor(deps, siteId))).sort()).toEqual(
      ['MODIFY operator -', 'MODIFY operator -', 'INSERT chat -', 'INSERT visitor -'].sort(),
    );
    const waiting = await recordsOf(() => chatFor(deps, siteId));
    expect(waiting.sort()).toEqual(['INSERT chat -', 'INSERT visitor -', 'INSERT waiting wakes'].sort());
  });

  it('a close of an assigned chat wakes it (for an operator that was full, through its return to the queue)', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 2 });
    const { chat } = await chatFor(deps, siteId);
    const close = await recordsOf(async () => closeChat(deps, await requireChat(deps, siteId, chat.id)));
    expect(close.filter((record) => record.endsWith('wakes'))).toEqual(['MODIFY operator wakes']);

    const full = await siteWithOperators(deps, 1, { maxChats: 1 });
    const only = await chatFor(deps, full.siteId);
    const freed = await recordsOf(async () => closeChat(deps, await requireChat(deps, full.siteId, only.chat.id)));
    // The close itself leaves a full operator out of the queue index; its return wakes the dispatcher.
    expect(freed.filter((record) => record.startsWith('MODIFY operator'))).toEqual(['MODIFY operator -', 'MODIFY operator wakes']);
  });

  it('coming online and a higher maxChats wake it; going away, offline, and heartbeats of a live operator do not', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1, online: false });
    expect(await recordsOf(() => setOperatorStatus(deps, siteId, 'op1', 'online'))).toEqual(['MODIFY operator wakes']);
    expect(await recordsOf(() => recordHeartbeat(deps, siteId, 'op1'))).toEqual(['MODIFY operator -']);
    expect(await recordsOf(() => upsertOperator(deps, siteId, 'op1', { name: 'Renamed', maxChats: 1 }))).toEqual(['MODIFY operator -']);
    expect(await recordsOf(() => upsertOperator(deps, siteId, 'op1', { name: 'Renamed', maxChats: 3 }))).toEqual(['MODIFY operator wakes']);
    expect(await recordsOf(() => setOperatorStatus(deps, siteId, 'op1', 'away'))).toEqual(['MODIFY operator -']);
    expect(await recordsOf(() => setOperatorStatus(deps, siteId, 'op1', 'offline'))).toEqual(['MODIFY operator -']);
  });

  it('a heartbeat that brings a stale operator back wakes it', async () => {
    const { siteId } = await siteWithOperators(deps, 1);
    engine.clock.advance(91_000);
    expect(await recordsOf(() => recordHeartbeat(deps, siteId, 'op1'))).toEqual(['MODIFY operator wakes']);
    expect(await recordsOf(() => recordHeartbeat(deps, siteId, 'op1'))).toEqual(['MODIFY operator -']);
  });
});
