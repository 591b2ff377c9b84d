import { describe, expect, it } from 'vitest';
import { STALE_GRACE_MS } from '../../lib/domain/availability.js';
import { publicOperator } from '../../lib/domain/model.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { listOperators, recordHeartbeat, requireOperator, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { createSite, updateSettings } from '../../lib/engine/sites.js';
import { sweepStaleOperators } from '../../lib/engine/liveness.js';
import { addOnlineOperators } from '../support/bulk.js';
import { byId, chatFor, operatorIds } from '../support/fixtures.js';
import { isolatedTable, T0, testEngine } from '../support/engine.js';
import { observedEngine } from '../support/observed.js';

/** Each test has a table of its own: the sweep reads across all sites of its table. */
async function sweepEngine() {
  return testEngine({ tableName: await isolatedTable('sweep', { stream: false }) });
}

async function addOperator(deps: EngineDeps, siteId: string, id: string, status: 'online' | 'away' = 'online') {
  await upsertOperator(deps, siteId, id, { name: `Operator ${id}` });
  await setOperatorStatus(deps, siteId, id, status);
}

async function statusOf(deps: EngineDeps, siteId: string, id: string) {
  return (await requireOperator(deps, siteId, id)).operator.status;
}

describe('the stale-operator sweep', () => {
  it('sets offline the operators (online or away) whose heartbeat is older than the timeout; fresh ones stay', async () => {
    const { deps, clock } = await sweepEngine();
    const { siteId } = await createSite(deps, { name: 'Sweep' });
    await updateSettings(deps, siteId, { heartbeatTimeoutSeconds: 60 });
    await addOperator(deps, siteId, 'stale-online');
    await addOperator(deps, siteId, 'stale-away', 'away');
    await addOperator(deps, siteId, 'fresh-online');
    await addOperator(deps, siteId, 'fresh-away', 'away');
    await upsertOperator(deps, siteId, 'never-online', { name: 'Never online' });

    clock.advance(30_000);
    await recordHeartbeat(deps, siteId, 'fresh-online');
    await setOperatorStatus(deps, siteId, 'fresh-away', 'away');

    // At 60 s less 1 ms after the first heartbeats nobody is stale yet.
    clock.set(T0 + 60_000 - 1);
    expect((await sweepStaleOperators(deps)).markedOffline).toBe(0);

    // Offline once stale past the grace (within it, a heartbeat would bring them back).
    clock.set(T0 + 61_000 + STALE_GRACE_MS - 2_000);
    expect((await sweepStaleOperators(deps)).markedOffline).toBe(0);
    clock.set(T0 + 61_000 + STALE_GRACE_MS);
    const result = await sweepStaleOperators(deps);
    expect(result.markedOffline).toBe(2);

    const operators = byId(await listOperators(deps, siteId));
    expect(operators.get('stale-online')?.status).toBe('offline');
    expect(operators.get('stale-away')?.status).toBe('offline');
    expect(operators.get('fresh-online')?.status).toBe('online');
    expect(operators.get('fresh-away')?.status).toBe('away');
    expect(operators.get('never-online')?.status).toBe('offline');
    // The sweep changes the status only: the last heartbeat stays as it was.
    expect(publicOperator(operators.get('stale-online')!).lastHeartbeatAt).toBe(new Date(T0).toISOString());

    // The fresh online operator (stale by now too, but within its grace: a heartbeat brings it
    // back) takes the chats; the swept one does not come back by itself.
    await recordHeartbeat(deps, siteId, 'fresh-online');
    await recordHeartbeat(deps, siteId, 'stale-online');
    expect((await chatFor(deps, siteId)).chat.operatorId).toBe('fresh-online');
  });

  it('is harmless when run twice: the second run marks nothing and changes nothing', async () => {
    const { deps, clock } = await sweepEngine();
    const sites = [];
    for (let s = 0; s < 2; s += 1) {
      const { siteId } = await createSite(deps, { name: `Twice ${s}` });
      for (const id of operatorIds(3)) await addOperator(deps, siteId, id);
      sites.push(siteId);
    }
    clock.advance(60_000);
    await recordHeartbeat(deps, sites[0]!, 'op1');
    await recordHeartbeat(deps, sites[1]!, 'op2');
    clock.advance(31_000 + STALE_GRACE_MS);

    const first = await sweepStaleOperators(deps);
    expect(first.markedOffline).toBe(4);
    const afterFirst = await Promise.all(sites.map((siteId) => listOperators(deps, siteId)));

    const second = await sweepStaleOperators(deps);
    expect(second.markedOffline).toBe(0);
    expect(await Promise.all(sites.map((siteId) => listOperators(deps, siteId)))).toEqual(afterFirst);
    expect(afterFirst.flat().filter((operator) => operator.status === 'online').map((operator) => operator.id).sort()).toEqual([
      'op1',
      'op2',
    ]);
  });

  it('follows a change of heartbeatTimeoutSeconds made through updateSettings', async () => {
    const { deps, clock } = await sweepEngine();
    const lowered = (await createSite(deps, { name: 'Lowered' })).siteId;
    const raised = (await createSite(deps, { name: 'Raised' })).siteId;
    const unchanged = (await createSite(deps, { name: 'Unchanged' })).siteId;
    for (const siteId of [lowered, raised, unchanged]) await addOperator(deps, siteId, 'op1');

    clock.set(T0 + 60_000);
    expect((await sweepStaleOperators(deps)).markedOffline).toBe(0);

    await updateSettings(deps, lowered, { heartbeatTimeoutSeconds: 30 });
    await updateSettings(deps, raised, { heartbeatTimeoutSeconds: 300 });
    // The lowered site's operator: stale past 30 s and its grace.
    clock.set(T0 + 30_000 + STALE_GRACE_MS + 1);
    expect((await sweepStaleOperators(deps)).markedOffline).toBe(1);
    expect(await statusOf(deps, lowered, 'op1')).toBe('offline');

    // Past the default 90 s: only the raised site's operator is still fresh, and it still takes chats.
    clock.set(T0 + 90_000 + STALE_GRACE_MS + 1);
    expect((await sweepStaleOperators(deps)).markedOffline).toBe(1);
    expect(await statusOf(deps, unchanged, 'op1')).toBe('offline');
    expect(await statusOf(deps, raised, 'op1')).toBe('online');
    expect((await chatFor(deps, raised)).chat.operatorId).toBe('op1');

    clock.set(T0 + 300_000 + STALE_GRACE_MS + 1);
    expect((await sweepStaleOperators(deps)).markedOffline).toBe(1);
    expect(await statusOf(deps, raised, 'op1')).toBe('offline');
  });

  it('scale: of 2,000 online operators over 10 sites it marks exactly the 20 stale ones, reading at most 60 items', async () => {
    const { deps, clock } = await sweepEngine();
    const sites: string[] = [];
    for (let s = 0; s < 10; s += 1) sites.push((await createSite(deps, { name: `Scale ${s}` })).siteId);
    const staleIds = ['early-a', 'early-b'];
    const freshIds = Array.from({ length: 198 }, (_, i) => `op${i}`);

    // The 20 stale operators heartbeat at T0, the 1,980 others 60 s later; the timeout is 90 s.
    await Promise.all(sites.map((siteId) => addOnlineOperators(deps, siteId, staleIds, { heartbeatAtMs: T0 })));
    for (const siteId of sites) await addOnlineOperators(deps, siteId, freshIds, { heartbeatAtMs: T0 + 60_000 });

    clock.set(T0 + 100_000 + STALE_GRACE_MS);
    const result = await sweepStaleOperators(deps);

    expect(result.markedOffline).toBe(20);
    expect(result.itemsRead).toBeLessThanOrEqual(60);
    const operators = (await Promise.all(sites.map((siteId) => listOperators(deps, siteId)))).flat();
    expect(operators).toHaveLength(2000);
    const offline = operators.filter((operator) => operator.status === 'offline');
    expect(offline.map((operator) => `${operator.siteId}/${operator.id}`).sort()).toEqual(
      sites.flatMap((siteId) => staleIds.map((id) => `${siteId}/${id}`)).sort(),
    );
    expect(operators.filter((operator) => operator.status === 'online')).toHaveLength(1980);

    const again = await sweepStaleOperators(deps);
    expect(again.markedOffline).toBe(0);
    expect(again.itemsRead).toBeLessThanOrEqual(60);
  });
});

describe('a heartbeat racing the sweep', () => {
  const TIMEOUT_SECONDS = 30;

  async function observedSite() {
    const engine = observedEngine({ tableName: await isolatedTable('sweep-race', { stream: false }) });
    const { siteId } = await createSite(engine.deps, { name: 'Race' });
    await updateSettings(engine.deps, siteId, { heartbeatTimeoutSeconds: TIMEOUT_SECONDS });
    return { ...engine, siteId };
  }

  /** A new online operator whose heartbeat has just gone stale; returns the time a heartbeat now carries. */
  async function staleOperator(engine: Awaited<ReturnType<typeof observedSite>>, id: string) {
    await addOperator(engine.deps, engine.siteId, id);
    engine.clock.advance(TIMEOUT_SECONDS * 1000 + STALE_GRACE_MS + 1000);
    return engine.clock.now();
  }

  it('a heartbeat after going stale but before the sweep runs keeps the operator online', async () => {
    const engine = await observedSite();
    const { deps, siteId } = engine;
    const heartbeatAt = await staleOperator(engine, 'late');
    await recordHeartbeat(deps, siteId, 'late');

    const result = await sweepStaleOperators(deps);

    expect(result.markedOffline).toBe(0);
    const operator = (await requireOperator(deps, siteId, 'late')).operator;
    expect(operator.status).toBe('online');
    expect(operator.heartbeatAtMs).toBe(heartbeatAt);
  });

  it("a heartbeat landing between the sweep's read and its write wins: the write's condition fails", async () => {
    const engine = await observedSite();
    const { deps, siteId } = engine;
    const heartbeatAt = await staleOperator(engine, 'between');
    engine.beforeNextWrite('sweep', () => recordHeartbeat(deps, siteId, 'between'));

    const result = await engine.as('sweep', () => sweepStaleOperators(deps));

    expect(engine.hookPending).toBe(false);
    expect(result.itemsRead).toBe(1);
    expect(result.markedOffline).toBe(0);
    const operator = (await requireOperator(deps, siteId, 'between')).operator;
    expect(operator.status).toBe('online');
    expect(operator.heartbeatAtMs).toBe(heartbeatAt);
    expect((await chatFor(deps, siteId)).chat.operatorId).toBe('between');
  });

  it("a heartbeat landing after the sweep's write is kept: offline, with the new heartbeat stored", async () => {
    const engine = await observedSite();
    const { deps, siteId } = engine;
    const heartbeatAt = await staleOperator(engine, 'after');

    expect((await sweepStaleOperators(deps)).markedOffline).toBe(1);
    await recordHeartbeat(deps, siteId, 'after');

    const operator = (await requireOperator(deps, siteId, 'after')).operator;
    expect(operator.status).toBe('offline');
    expect(operator.heartbeatAtMs).toBe(heartbeatAt);
  });

  it('run concurrently, 30 rounds: the heartbeat is never lost, and one that lands first keeps the operator online', async () => {
    const engine = await observedSite();
    const { deps, siteId } = engine;

    for (let round = 0; round < 30; round += 1) {
      const id = `round${round}`;
      const heartbeatAt = await staleOperator(engine, id);
      engine.clear();

      // Stagger the heartbeat by 0-3 reads so that it lands at different points of the sweep.
      const delayReads = round % 4;
      const [sweep] = await Promise.all([
        engine.as('sweep', () => sweepStaleOperators(deps)),
        engine.as('heartbeat', async () => {
          for (let i = 0; i < delayReads; i += 1) await deps.store.getOperator(siteId, id);
          await recordHeartbeat(deps, siteId, id);
        }),
      ]);

      // The write that landed: the last (a heartbeat of a stale operator first tries the live one's conditional write).
      const heartbeatWrite = engine.requests.findLast((request) => request.label === 'heartbeat' && request.write);
      const sweepWrite = engine.requests.find((request) => request.label === 'sweep' && request.write);
      expect(heartbeatWrite?.doneAt).toBeDefined();
      const heartbeatLandedFirst = sweepWrite === undefined || heartbeatWrite!.doneAt! < sweepWrite.sentAt;

      const operator = (await requireOperator(deps, siteId, id)).operator;
      // Never lost, whoever won.
      expect(operator.heartbeatAtMs).toBe(heartbeatAt);
      expect(publicOperator(operator).lastHeartbeatAt).toBe(new Date(heartbeatAt).toISOString());
      expect(sweep.markedOffline).toBe(operator.status === 'offline' ? 1 : 0);
      if (heartbeatLandedFirst) expect(operator.status).toBe('online');
      if (operator.status === 'offline') expect(sweepWrite!.sentAt).toBeLessThan(heartbeatWrite!.doneAt!);
      else expect(operator.status).toBe('online');

      // Out of the way of the next round's sweep.
      if (operator.status === 'online') await setOperatorStatus(deps, siteId, id, 'offline');
    }
  });
});
