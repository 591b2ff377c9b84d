import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ensureTable } from '../../infra/local/dynamodb-local.js';
import { listOperators, recordHeartbeat } from '../../lib/engine/operators.js';
import { createSite, updateSettings } from '../../lib/engine/sites.js';
import { addOnlineOperators } from '../support/bulk.js';
import { isolatedTable, testEngine } from '../support/engine.js';

const context = {
  functionName: 'sweep-stale-operators',
  awsRequestId: 'test',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

let tableName: string;
let handler: (event: unknown, context: Context) => Promise<{ itemsRead: number; markedOffline: number }>;

beforeAll(async () => {
  tableName = await isolatedTable('sweep-handler', { stream: false });
  await ensureTable(inject('dynamoEndpoint'), tableName, `${tableName}-idempotency`, { stream: false });
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    IDEMPOTENCY_TABLE_NAME: `${tableName}-idempotency`,
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    PLATFORM_TOKEN: 'unused-platform-token-for-the-sweep',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_REGION: 'local',
  });
  ({ handler } = await import('../../functions/sweep-stale-operators.js'));
});

/** The scheduled handler as EventBridge calls it, on the real clock (heartbeats are placed relative to it). */
const scheduledEvent = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

describe('the scheduled sweep handler on DynamoDB Local', () => {
  it('marks exactly the 20 stale of 2,000 online operators offline, reading at most 60 items; a second run finds nothing', async () => {
    const { deps } = testEngine({ tableName, clock: Date.now });
    const now = Date.now();
    const sites = await Promise.all(Array.from({ length: 10 }, () => createSite(deps, { name: 'Sweep site' })));
    // An hour's timeout, so that however long the set-up takes beside the other suites, only the
    // operators meant to be stale are.
    for (const { siteId } of sites) await updateSettings(deps, siteId, { heartbeatTimeoutSeconds: 3600 });
    const stale = new Set<string>();
    for (const [index, { siteId }] of sites.entries()) {
      const ids = Array.from({ length: 200 }, (_, i) => `op${i}`);
      await addOnlineOperators(deps, siteId, ids.slice(2), { heartbeatAtMs: now });
      // Two per site went quiet 3,700 s ago; the site's timeout is 3,600 s.
      await addOnlineOperators(deps, siteId, ids.slice(0, 2), { heartbeatAtMs: now - 3_700_000 });
      for (const id of ids.slice(0, 2)) stale.add(`${index}/${id}`);
    }

    const first = await handler(scheduledEvent, context);
    expect(first.markedOffline).toBe(20);
    expect(first.itemsRead).toBeLessThanOrEqual(60);

    for (const [index, { siteId }] of sites.entries()) {
      for (const operator of await listOperators(deps, siteId)) {
        expect(operator.status, `${index}/${operator.id}`).toBe(stale.has(`${index}/${operator.id}`) ? 'offline' : 'online');
      }
    }
    const second = await handler(scheduledEvent, context);
    expect(second).toEqual({ itemsRead: 0, markedOffline: 0, rearmed: 0 });
    // Setting up 2,000 operators is 4,000 transactions: some 30 s beside the other suites.
  }, 180_000);

  it('loses to a heartbeat that lands first: the operator stays online with its new heartbeat', async () => {
    const { deps } = testEngine({ tableName, clock: Date.now });
    const { siteId } = await createSite(deps, { name: 'Race site' });
    await addOnlineOperators(deps, siteId, ['late'], { heartbeatAtMs: Date.now() - 100_000 });
    await recordHeartbeat(deps, siteId, 'late');
    await handler(scheduledEvent, context);
    const [operator] = await listOperators(deps, siteId);
    expect(operator!.status).toBe('online');
    expect(Date.now() - operator!.heartbeatAtMs!).toBeLessThan(60_000);
  });
});
