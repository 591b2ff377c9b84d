import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Deadline } from '../../lib/deadlines/deadline.js';
import { handleDeadline } from '../../lib/engine/handle-deadline.js';
import { STALE_GRACE_MS } from '../../lib/domain/availability.js';
import { firstCheckAt, sweepStaleOperators } from '../../lib/engine/liveness.js';
import { listOperators, recordHeartbeat, requireOperator, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { putGroup } from '../../lib/engine/groups.js';
import { createSite, updateSettings } from '../../lib/engine/sites.js';
import { operatorKey } from '../../lib/store/entities/operator.js';
import { chatFor, siteWithOperators } from '../support/fixtures.js';
import { isolatedTable, keepingDeadlines, T0, testDocumentClient, testEngine } from '../support/engine.js';

const TIMEOUT_MS = 60_000;
/** A check moves on to the end of the heartbeat's grace: stale time + STALE_GRACE_MS. */
const CHECK_AFTER_MS = TIMEOUT_MS + STALE_GRACE_MS;

/** A site with a 60 s heartbeat timeout, whose deadlines are kept for the test to deliver. */
async function liveSite() {
  const engine = testEngine({ tableName: await isolatedTable('liveness', { stream: false }) });
  const { deps, sent } = keepingDeadlines(engine.deps);
  const { siteId } = await createSite(deps, { name: 'Liveness' });
  await updateSettings(deps, siteId, { heartbeatTimeoutSeconds: TIMEOUT_MS / 1000 });
  /** Delivers the one check sent since the last call, at its moment, and returns what it did. */
  const deliverCheck = async () => {
    const checks = sent.splice(0).filter((deadline) => deadline.kind === 'liveness-check');
    expect(checks).toHaveLength(1);
    const check = checks[0]!;
    engine.clock.set(check.dueAtMs);
    return { check, outcome: await handleDeadline(deps, check) };
  };
  const statusOf = async (id: string) => (await requireOperator(deps, siteId, id)).operator.status;
  return { ...engine, deps, sent, siteId, deliverCheck, statusOf };
}

const checkOf = (siteId: string, operatorId: string, dueAtMs: number): Deadline => ({ kind: 'liveness-check', siteId, operatorId, dueAtMs });

describe('liveness checks', () => {
  it('a heartbeat writes one item, one write unit, whatever the operator’s groups: no index moves', async () => {
    const { deps, siteId, meter } = await liveSite();
    for (const groupId of ['sales', 'support']) await putGroup(deps, siteId, groupId, { name: groupId });
    await upsertOperator(deps, siteId, 'ann', { name: 'Ann', groups: ['sales', 'support'] });
    await setOperatorStatus(deps, siteId, 'ann', 'online');

    meter.reset();
    await recordHeartbeat(deps, siteId, 'ann');
    expect(meter.snapshot()).toMatchObject({ requests: 1, writeCapacity: 1 });
  });

  it('follow the heartbeat: each check sends the next for the end of its grace, and the one that finds it stale past the grace sets the operator offline', async () => {
    const { deps, siteId, sent, deliverCheck, statusOf, clock } = await liveSite();
    await upsertOperator(deps, siteId, 'ann', { name: 'Ann' });
    await setOperatorStatus(deps, siteId, 'ann', 'online');
    // The first check: after the shortest timeout any site may have.
    expect(sent).toEqual([checkOf(siteId, 'ann', firstCheckAt(T0))]);

    const first = await deliverCheck();
    // Live (the status counted as a heartbeat): the next check when its grace would end.
    expect(first.outcome).toEqual({ kind: 'rearmed', dueAtMs: T0 + CHECK_AFTER_MS });
    expect(sent).toEqual([checkOf(siteId, 'ann', T0 + CHECK_AFTER_MS)]);

    clock.set(T0 + 40_000);
    await recordHeartbeat(deps, siteId, 'ann');
    expect((await deliverCheck()).outcome).toEqual({ kind: 'rearmed', dueAtMs: T0 + 40_000 + CHECK_AFTER_MS });
    expect(await statusOf('ann')).toBe('online');

    // No heartbeat since: at the end of its grace, offline, without the minute's sweep.
    expect((await deliverCheck()).outcome).toEqual({ kind: 'offline' });
    expect(await statusOf('ann')).toBe('offline');
    expect(sent).toEqual([]);
    expect((await chatFor(deps, siteId)).chat.status).not.toBe('assigned');
  });

  it('a check delivered twice, superseded by a status write, or for an operator gone offline does nothing', async () => {
    const { deps, siteId, sent, deliverCheck, statusOf, clock } = await liveSite();
    await upsertOperator(deps, siteId, 'ann', { name: 'Ann' });
    await setOperatorStatus(deps, siteId, 'ann', 'online');
    const [firstChain] = sent.splice(0);

    // Away a second later: a new chain; the first one's message no longer matches.
    clock.advance(1000);
    await setOperatorStatus(deps, siteId, 'ann', 'away');
    clock.set(firstChain!.dueAtMs);
    expect(await handleDeadline(deps, firstChain!)).toEqual({ kind: 'none' });

    const { check, outcome } = await deliverCheck();
    expect(outcome.kind).toBe('rearmed');
    sent.splice(0);
    // The same message again (SQS delivers at least once): nothing, and nothing sent.
    expect(await handleDeadline(deps, check)).toEqual({ kind: 'none' });
    expect(sent).toEqual([]);

    await setOperatorStatus(deps, siteId, 'ann', 'offline');
    const stale = checkOf(siteId, 'ann', clock.now());
    expect(await handleDeadline(deps, stale)).toEqual({ kind: 'none' });
    expect(await statusOf('ann')).toBe('offline');
  });

  it('a check that arrives early (SQS holds a message 15 minutes at most) is sent on unchanged', async () => {
    const { deps, siteId, sent, clock } = await liveSite();
    await upsertOperator(deps, siteId, 'ann', { name: 'Ann' });
    await setOperatorStatus(deps, siteId, 'ann', 'online');
    const [check] = sent.splice(0);
    clock.set(check!.dueAtMs - 1);
    expect(await handleDeadline(deps, check!)).toEqual({ kind: 'early' });
    expect(sent).toEqual([check]);
  });

  it('a check whose message was lost is done by the sweep, which sends the next; the next sweep finds nothing', async () => {
    const { deps, siteId, sent, statusOf, clock } = await liveSite();
    for (const id of ['ann', 'bob']) {
      await upsertOperator(deps, siteId, id, { name: id });
      await setOperatorStatus(deps, siteId, id, 'online');
    }
    sent.splice(0); // both first checks lost
    clock.set(T0 + 30_000);
    await recordHeartbeat(deps, siteId, 'ann');

    clock.set(T0 + CHECK_AFTER_MS + 1);
    expect(await sweepStaleOperators(deps)).toEqual({ itemsRead: 2, markedOffline: 1, rearmed: 1 });
    expect([await statusOf('ann'), await statusOf('bob')]).toEqual(['online', 'offline']);
    expect(sent).toEqual([checkOf(siteId, 'ann', T0 + 30_000 + CHECK_AFTER_MS)]);
    expect(await sweepStaleOperators(deps)).toEqual({ itemsRead: 0, markedOffline: 0, rearmed: 0 });
  });

  it('a heartbeat between a check’s read and its write wins: the check looks again and sends the next', async () => {
    const { deps, siteId, sent, statusOf, clock, tableName } = await liveSite();
    await upsertOperator(deps, siteId, 'ann', { name: 'Ann' });
    await setOperatorStatus(deps, siteId, 'ann', 'online');
    const [check] = sent.splice(0);
    clock.set(T0 + CHECK_AFTER_MS + 5_000);
    // Stale past its grace at the check's first write; a heartbeat lands before its second (the offline write).
    let beaten = false;
    const racing = {
      ...deps,
      store: {
        ...deps.store,
        checkLiveness: async (...args: Parameters<typeof deps.store.checkLiveness>) => {
          if (!beaten) {
            beaten = true;
            await recordHeartbeat(deps, siteId, 'ann');
          }
          return deps.store.checkLiveness(...args);
        },
      },
    };
    const outcome = await handleDeadline(racing, { ...check!, dueAtMs: check!.dueAtMs });
    expect(outcome).toEqual({ kind: 'rearmed', dueAtMs: clock.now() + CHECK_AFTER_MS });
    expect(await statusOf('ann')).toBe('online');
    const { Item } = await testDocumentClient().send(new GetCommand({ TableName: tableName, Key: operatorKey(siteId, 'ann') }));
    expect(Item).toMatchObject({ beatAtMs: clock.now(), liveUntil: clock.now() + TIMEOUT_MS, staleAt: clock.now() + CHECK_AFTER_MS });
  });
});

describe('a stale operator within its grace', () => {
  it('looks live in the index, loses its claim, and the chat goes to the live operator without reading it; a heartbeat brings it back', async () => {
    const { deps, siteId, clock, meter } = await liveSite();
    for (const id of ['stale', 'live']) {
      await upsertOperator(deps, siteId, id, { name: id });
      await setOperatorStatus(deps, siteId, id, 'online');
    }
    // Both never assigned; 'live' heartbeats, 'stale' does not.
    clock.set(T0 + TIMEOUT_MS - 1_000);
    await recordHeartbeat(deps, siteId, 'live');
    clock.set(T0 + TIMEOUT_MS + 1_000);
    for (let chat = 0; chat < 4; chat += 1) {
      meter.reset();
      const result = await chatFor(deps, siteId);
      expect(result.chat).toMatchObject({ status: 'assigned', operatorId: 'live' });
      // A Query and the claim; when the stale one was tried first, its lost claim (which returns it
      // as it is: no GetItem) and the Query of the next attempt besides.
      const { requests, byCommand } = meter.snapshot();
      expect(requests).toBeLessThanOrEqual(4);
      expect(byCommand.GetItemCommand).toBeUndefined();
      clock.advance(1);
    }
    expect((await requireOperator(deps, siteId, 'stale')).operator).toMatchObject({ status: 'online', assigned: 0, activeChats: 0 });
    await recordHeartbeat(deps, siteId, 'stale');
    expect((await chatFor(deps, siteId)).chat.operatorId).toBe('stale');
  });
});

describe('many operators stale past their grace ahead of a live one, their checks not yet come', () => {
  it('the chat goes to the live one, each stale one it met is set offline on the way, and the next chat costs a Query and a claim', async () => {
    const engine = testEngine({ tableName: await isolatedTable('liveness-head', { stream: false }) });
    const { deps } = keepingDeadlines(engine.deps); // no check is delivered
    const { siteId, ids } = await siteWithOperators(deps, 56, { settings: { allowVisitorChoice: true, heartbeatTimeoutSeconds: TIMEOUT_MS / 1000 } });
    // Each has had a chat, the live one last, so the 55 stale ones sort ahead of it.
    for (const id of ids) {
      engine.clock.advance(10);
      await chatFor(deps, siteId, { operatorId: id });
    }
    const live = ids.at(-1)!;
    engine.clock.set(T0 + 50_000 + STALE_GRACE_MS);
    await recordHeartbeat(deps, siteId, live);
    engine.clock.set(T0 + CHECK_AFTER_MS + 1_000);

    const online = async () => (await listOperators(deps, siteId)).filter((operator) => operator.status === 'online').map((operator) => operator.id);
    // Each chat goes to the live one, and sets offline the stale ones it tried (after a lost
    // claim it picks at random among the lowest turn, so it may reach the live one before them all).
    for (let chat = 0; chat < 10 && (await online()).length > 1; chat += 1) {
      expect((await chatFor(deps, siteId)).chat).toMatchObject({ status: 'assigned', operatorId: live });
    }
    expect(await online()).toEqual([live]);

    engine.meter.reset();
    expect((await chatFor(deps, siteId)).chat).toMatchObject({ status: 'assigned', operatorId: live });
    expect(engine.meter.snapshot().requests).toBe(2);
  });
});
