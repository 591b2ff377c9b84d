import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { isAvailable } from '../../lib/domain/availability.js';
import type { Deadline } from '../../lib/deadlines/deadline.js';
import { handleDeadline } from '../../lib/engine/handle-deadline.js';
import { listOperators } from '../../lib/engine/operators.js';
import { createSite, updateSettings } from '../../lib/engine/sites.js';
import { sweepStaleOperators } from '../../lib/engine/liveness.js';
import { sitePk } from '../../lib/store/entities/site.js';
import { addOnlineOperators } from '../support/bulk.js';
import { isolatedTable, keepingDeadlines, T0, testDocumentClient, testEngine } from '../support/engine.js';
import { operatorIds } from '../support/fixtures.js';

const doc = testDocumentClient();

/** The operators' copies of the timeout and the stale time it gives their heartbeat, as stored. */
async function timeoutCopies(tableName: string, siteId: string) {
  const { Items = [] } = await doc.send(
    new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :op)', ExpressionAttributeValues: { ':pk': sitePk(siteId), ':op': 'OP#' } }),
  );
  return Items.map((item) => ({ timeoutMs: item.timeoutMs as number, liveUntil: item.liveUntil as number, beatAtMs: item.beatAtMs as number }));
}

const isPage = (deadline: Deadline) => deadline.kind === 'heartbeat-timeout';

async function siteOf(operators: number) {
  const engine = testEngine({ tableName: await isolatedTable('retime', { stream: false }) });
  const { deps, sent } = keepingDeadlines(engine.deps);
  const { siteId } = await createSite(deps, { name: 'Retime' });
  await addOnlineOperators(deps, siteId, operatorIds(operators), { heartbeatAtMs: T0 });
  return { engine, deps, siteId, sent };
}

describe('a change of heartbeatTimeoutSeconds', () => {
  it('costs a request the same on a site of 30 operators as of 600; deadlines take it to every operator', async () => {
    const requests: number[] = [];
    for (const size of [30, 600]) {
      const { engine, deps, siteId, sent } = await siteOf(size);
      engine.meter.reset();
      await updateSettings(deps, siteId, { heartbeatTimeoutSeconds: 300 });
      requests.push(engine.meter.snapshot().requests);
      // The rest, a deadline (a page) at a time, each scheduling the next.
      while (sent.length > 0) await handleDeadline(deps, sent.shift()!);
      const copies = await timeoutCopies(engine.tableName, siteId);
      expect(copies).toHaveLength(size);
      expect(copies.every((copy) => copy.timeoutMs === 300_000 && copy.liveUntil === copy.beatAtMs + 300_000)).toBe(true);
    }
    expect(requests[1]).toBe(requests[0]);
  });

  it('while it reaches the operators, the sweep holds them to the raised timeout, and claims to a lowered one', async () => {
    const { engine, deps, siteId, sent } = await siteOf(100);
    await updateSettings(deps, siteId, { heartbeatTimeoutSeconds: 600 });
    expect(sent.length).toBe(1);
    // Past the old 90 s, before the pages came: most copies still say 90 s, yet nobody is stale.
    engine.clock.set(T0 + 120_000);
    expect((await timeoutCopies(engine.tableName, siteId)).filter((copy) => copy.timeoutMs === 90_000).length).toBeGreaterThan(50);
    expect((await sweepStaleOperators(deps)).markedOffline).toBe(0);

    // Lowered to 60 s: nobody is available for a claim any more, whatever the copies say.
    await updateSettings(deps, siteId, { heartbeatTimeoutSeconds: 60 });
    const settings = (await deps.store.getSite(siteId))!.settings;
    expect((await listOperators(deps, siteId)).filter((operator) => isAvailable(operator, settings, engine.clock.now()))).toEqual([]);
    // Both changes' pages run (each with the timeout as it is now), in the order they come. (The
    // sweep sent the operators' next liveness checks meanwhile: not delivered here.)
    for (let page = sent.find(isPage); page; page = sent.find(isPage)) {
      sent.splice(sent.indexOf(page), 1);
      await handleDeadline(deps, page);
    }
    expect((await timeoutCopies(engine.tableName, siteId)).every((copy) => copy.timeoutMs === 60_000)).toBe(true);
    expect((await sweepStaleOperators(deps)).markedOffline).toBe(100);
  });
});
