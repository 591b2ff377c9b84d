import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { describe, expect, inject, it } from 'vitest';
import { LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamodb-local.js';
import { InProcessDeadlineQueue } from '../../lib/deadlines/in-process-queue.js';
import type { StartChatInput } from '../../lib/domain/schemas.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { listOperators, setOperatorStatus } from '../../lib/engine/operators.js';
import { updateSettings } from '../../lib/engine/sites.js';
import type { StartChatResult } from '../../lib/engine/start-chat.js';
import { once } from '../../lib/http/idempotent.js';
import { startChatOnce, type StartChatRuntime } from '../../lib/http/idempotent-start.js';
import { ClaimingPersistenceLayer } from '../../lib/http/idempotency-store.js';
import { documentClient, dynamoStore } from '../../lib/store/dynamo-store.js';
import { meterRequests } from '../../lib/store/dynamo/request-meter.js';
import type { ChatStore } from '../../lib/store/port.js';
import { expectDomainError } from '../support/domain.js';
import { siteWithOperators } from '../support/fixtures.js';
import { testClock } from '../support/engine.js';

/** A Lambda context with this much time left (the in-progress record expires with it). */
const contextWith = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;
const CONTEXT = contextWith(30_000);

/**
 * The runtime an idempotent chat start uses, on one DynamoDB client for both tables, as in
 * lib/runtime.ts: the meter counts the idempotency table's requests with the main table's.
 */
function idempotentRuntime() {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint: inject('dynamoEndpoint') });
  const doc = documentClient(client);
  const meter = meterRequests(doc);
  const clock = testClock();
  const deps: EngineDeps = {
    store: dynamoStore(doc, inject('tableName')),
    clock: clock.ticking,
    random: Math.random,
    deadlines: new InProcessDeadlineQueue(),
  };
  const rt: StartChatRuntime = {
    deps,
    idempotencyStore: new ClaimingPersistenceLayer({ tableName: inject('idempotencyTableName'), awsSdkV3Client: client }),
  };
  return { rt, deps, doc, meter };
}

const uniqueKey = (name: string) => `${name}-${Math.random().toString(36).slice(2, 10)}`;

async function assignedOn(deps: EngineDeps, siteId: string) {
  return (await listOperators(deps, siteId)).reduce((sum, operator) => sum + operator.assigned, 0);
}

/** A promise settled from outside. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('an idempotent chat start completes its idempotency record in the claim', () => {
  it('costs 3 requests uncontended (PutItem in progress, Query, TransactWriteItems); a repeat costs 1, gets the same reply and assigns nothing', async () => {
    const { rt, deps, meter } = idempotentRuntime();
    const { siteId } = await siteWithOperators(deps, 10);
    for (let i = 0; i < 5; i += 1) {
      const key = uniqueKey('cost');
      const request = { visitorId: `v${i}` };
      meter.reset();
      const first = await startChatOnce(rt, siteId, request, key, CONTEXT);
      const cost = meter.snapshot();
      expect(first.chat.status).toBe('assigned');
      expect(cost.requests).toBe(3);
      expect(cost.byCommand).toEqual({ PutItemCommand: 1, QueryCommand: 1, TransactWriteItemsCommand: 1 });

      meter.reset();
      const repeat = await startChatOnce(rt, siteId, request, key, CONTEXT);
      // The in-progress PutItem fails and brings the COMPLETED record back with it.
      expect(meter.snapshot().byCommand).toEqual({ PutItemCommand: 1 });
      expect(repeat).toEqual(first);
    }
    expect(await assignedOn(deps, siteId)).toBe(5);
  });

  it('stores the record Powertools would have: COMPLETED, the reply, the payload hash, an hour to live', async () => {
    const { rt, deps, doc } = idempotentRuntime();
    const { siteId } = await siteWithOperators(deps, 2);
    const key = uniqueKey('layout');
    const store = rt.idempotencyStore as unknown as { getHashedIdempotencyKey(data: unknown): string };
    const before = Date.now();
    const first = await startChatOnce(rt, siteId, { visitorId: 'v' }, key, CONTEXT);
    const id = store.getHashedIdempotencyKey({ scope: [siteId], key });
    const { Item } = await doc.send(new GetCommand({ TableName: inject('idempotencyTableName'), Key: { id }, ConsistentRead: true }));
    expect(Item).toMatchObject({ id, status: 'COMPLETED', validation: expect.any(String), data: { body: expect.any(String) } });
    expect(Item!.expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 3600 - 1);
    expect(Item!.in_progress_expiration).toBeGreaterThanOrEqual(before + 30_000);
    expect(JSON.parse(Item!.data.body as string)).toMatchObject({ chat: first.chat, operator: first.operator });
  });

  it('refuses another body under the same key with 422, and assigns nothing for it', async () => {
    const { rt, deps } = idempotentRuntime();
    const { siteId } = await siteWithOperators(deps, 2);
    const key = uniqueKey('reused');
    await startChatOnce(rt, siteId, { visitorId: 'v1' }, key, CONTEXT);
    await expectDomainError(startChatOnce(rt, siteId, { visitorId: 'v2' }, key, CONTEXT), 422, 'idempotency_key_reused');
    expect(await assignedOn(deps, siteId)).toBe(1);
  });

  it('concurrent repeats make one chat, and all get its reply', async () => {
    const { rt, deps } = idempotentRuntime();
    const { siteId } = await siteWithOperators(deps, 3);
    const key = uniqueKey('concurrent');
    const replies = await Promise.all(Array.from({ length: 8 }, () => startChatOnce(rt, siteId, { visitorId: 'v' }, key, CONTEXT)));
    for (const reply of replies) expect(reply).toEqual(replies[0]);
    expect(replies[0]!.chat.status).toBe('assigned');
    expect(await assignedOn(deps, siteId)).toBe(1);
  });

  it("a crashed request's key frees after its in-progress expiry; the crashed request's end leaves the new record alone", async () => {
    const { rt, deps } = idempotentRuntime();
    const { siteId } = await siteWithOperators(deps, 2);
    const key = uniqueKey('crashed');
    const request: StartChatInput = { visitorId: 'v', clientType: 'regular' };
    const started = deferred();
    const crash = deferred<string>();
    // A request that put its in-progress record (expiring in 1 ms) and hangs, as a Lambda that timed out.
    const crashed = once(rt, contextWith(1), 'start-chat', { scope: [siteId], key, payload: request }, () => {
      started.resolve();
      return crash.promise;
    });
    await started.promise;

    const retried = await startChatOnce(rt, siteId, request, key, CONTEXT);
    expect(retried.chat.status).toBe('assigned');
    // The hung request fails at last: Powertools deletes its record, which is no longer its own.
    crash.reject(new Error('timed out'));
    await expect(crashed).rejects.toThrow('timed out');

    expect(await startChatOnce(rt, siteId, request, key, CONTEXT)).toEqual(retried);
    expect(await assignedOn(deps, siteId)).toBe(1);
  });

  it('a request whose in-progress record expired and was taken over assigns nothing: it gets the reply of the one that took over', async () => {
    const { rt, deps } = idempotentRuntime();
    const { siteId } = await siteWithOperators(deps, 2);
    const key = uniqueKey('taken-over');
    const reading = deferred();
    const gate = deferred();
    // The slow request stops before its queue read, until the other has finished.
    const slowStore: ChatStore = {
      ...deps.store,
      async readQueue(...args) {
        reading.resolve();
        await gate.promise;
        return deps.store.readQueue(...args);
      },
    };
    const slow = startChatOnce({ ...rt, deps: { ...deps, store: slowStore } }, siteId, { visitorId: 'v' }, key, contextWith(1));
    await reading.promise;
    const fast = await startChatOnce(rt, siteId, { visitorId: 'v' }, key, CONTEXT);
    gate.resolve();
    const late: StartChatResult = await slow;
    expect(late).toEqual(fast);
    expect(await assignedOn(deps, siteId)).toBe(1);
  });

  it('a refused start is not remembered: the same key runs again once the cause is gone', async () => {
    const { rt, deps } = idempotentRuntime();
    const { siteId } = await siteWithOperators(deps, 1);
    const key = uniqueKey('refused');
    await expectDomainError(startChatOnce(rt, siteId, { visitorId: 'v', operatorId: 'op1' }, key, CONTEXT), 403, 'visitor_choice_disabled');
    await updateSettings(deps, siteId, { allowVisitorChoice: true });
    const retried = await startChatOnce(rt, siteId, { visitorId: 'v', operatorId: 'op1' }, key, CONTEXT);
    expect(retried.chat).toMatchObject({ status: 'assigned', assignedBy: 'visitor', operatorId: 'op1' });

    // An unknown site is a 404, and not remembered either: another body under the key is still a 404, not a 422.
    const unknownKey = uniqueKey('no-site');
    await expectDomainError(startChatOnce(rt, 'no-such-site', { visitorId: 'v1' }, unknownKey, CONTEXT), 404, 'site_not_found');
    await expectDomainError(startChatOnce(rt, 'no-such-site', { visitorId: 'v2' }, unknownKey, CONTEXT), 404, 'site_not_found');
  });

  it('a chat that waits keeps the Powertools path (record completed after the start) and is replayed too', async () => {
    const { rt, deps, meter } = idempotentRuntime();
    const { siteId } = await siteWithOperators(deps, 1, { online: false });
    const key = uniqueKey('waiting');
    const first = await startChatOnce(rt, siteId, { visitorId: 'v' }, key, CONTEXT);
    expect(first.chat.status).toBe('waiting');
    await setOperatorStatus(deps, siteId, 'op1', 'online');
    meter.reset();
    expect(await startChatOnce(rt, siteId, { visitorId: 'v' }, key, CONTEXT)).toEqual(first);
    expect(meter.snapshot().byCommand).toEqual({ PutItemCommand: 1 });
    expect(await assignedOn(deps, siteId)).toBe(0);
  });
});
