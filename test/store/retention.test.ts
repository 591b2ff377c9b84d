import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { repairQueues } from '../../lib/engine/repair-queue.js';
import { postMessage } from '../../lib/engine/messages.js';
import { setOperatorStatus } from '../../lib/engine/operators.js';
import { updateSettings } from '../../lib/engine/sites.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { siteStats } from '../../lib/engine/stats.js';
import { settingsPatch } from '../../lib/domain/schemas.js';
import { chatKey } from '../../lib/store/entities/chat.js';
import { sitePk } from '../../lib/store/entities/site.js';
import { isolatedTable, T0, testDocumentClient, testEngine } from '../support/engine.js';
import { siteWithOperators } from '../support/fixtures.js';

const DAY_SECONDS = 86_400;
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe('retention', () => {
  const doc = testDocumentClient();

  it('a chat expires its site’s retention after it ended (closed or unassigned), a message after it was written; an open chat never', async () => {
    // A table of its own: the periodic repair that ends long waits reads every site's.
    const engine = testEngine({ tableName: await isolatedTable('retention', { stream: false }) });
    const deps: EngineDeps = { ...engine.deps, clock: engine.clock.ticking };
    const { siteId } = await siteWithOperators(deps, 1, { maxChats: 1, settings: { retentionDays: 7, queueEnabled: true, maxWaitSeconds: 60 } });
    const item = async (chatId: string) => (await doc.send(new GetCommand({ TableName: engine.tableName, Key: chatKey(siteId, chatId) }))).Item!;

    const assigned = await startChat(deps, siteId, { visitorId: 'v1', clientType: 'regular', message: 'Hello' });
    expect(assigned.chat.status).toBe('assigned');
    expect(await item(assigned.chat.id)).not.toHaveProperty('expiresAt');
    const reply = await postMessage(deps, siteId, assigned.chat.id, { principal: { role: 'operator', siteId, operatorId: 'op1' }, bearer: undefined }, 'Hi');
    const messages = (await doc.send(new QueryCommand({ TableName: engine.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)', ExpressionAttributeValues: { ':pk': sitePk(siteId), ':msg': `MSG#${assigned.chat.id}#` } }))).Items!;
    expect(messages.map((message) => message.expiresAt - seconds(message.createdAt))).toEqual([7 * DAY_SECONDS, 7 * DAY_SECONDS]);
    expect(messages.at(-1)!.text).toBe(reply.text);

    // The only operator is full: the next chat waits; closed while waiting, it has ended.
    const waiting = await startChat(deps, siteId, { visitorId: 'v2', clientType: 'regular' });
    expect(waiting.chat.status).toBe('waiting');
    expect(await item(waiting.chat.id)).not.toHaveProperty('expiresAt');
    const closedWaiting = await closeChat(deps, await requireChat(deps, siteId, waiting.chat.id));
    expect((await item(waiting.chat.id)).expiresAt).toBe(seconds(closedWaiting.closedAt!) + 7 * DAY_SECONDS);

    const closed = await closeChat(deps, await requireChat(deps, siteId, assigned.chat.id));
    expect((await item(assigned.chat.id)).expiresAt).toBe(seconds(closed.closedAt!) + 7 * DAY_SECONDS);

    // Recorded unassigned at once (nobody online, queue off), and unassigned after waiting too long.
    await updateSettings(deps, siteId, { queueEnabled: false, retentionDays: 30 });
    await setOperatorStatus(deps, siteId, 'op1', 'offline');
    const unassigned = await startChat(deps, siteId, { visitorId: 'v3', clientType: 'regular' });
    expect((await item(unassigned.chat.id)).expiresAt).toBe(seconds(unassigned.chat.createdAt) + 30 * DAY_SECONDS);
    await updateSettings(deps, siteId, { queueEnabled: true });
    const expired = await startChat(deps, siteId, { visitorId: 'v4', clientType: 'regular' });
    engine.clock.advance(61_000);
    expect((await repairQueues(deps)).expired).toBe(1);
    const expiredItem = await item(expired.chat.id);
    expect(expiredItem.status).toBe('unassigned');
    expect(expiredItem.expiresAt - seconds(new Date(T0).toISOString())).toBeGreaterThanOrEqual(30 * DAY_SECONDS + 61);
  });

  it('the statistics keep every chat once the chats themselves are gone', async () => {
    const engine = testEngine();
    const deps: EngineDeps = { ...engine.deps, clock: engine.clock.ticking };
    const { siteId } = await siteWithOperators(deps, 2, { settings: { retentionDays: 1 } });
    const chats = [];
    for (let index = 0; index < 5; index += 1) chats.push((await startChat(deps, siteId, { visitorId: `v${index}`, clientType: 'regular' })).chat);
    for (const chat of chats) await closeChat(deps, await requireChat(deps, siteId, chat.id));
    const before = await siteStats(deps, siteId, {});
    // What DynamoDB's TTL does once they expire.
    for (const chat of chats) await doc.send(new DeleteCommand({ TableName: engine.tableName, Key: chatKey(siteId, chat.id) }));
    expect(await siteStats(deps, siteId, {})).toEqual(before);
    expect(before.operators.reduce((sum, operator) => sum + operator.assigned, 0)).toBe(5);
  });

  it('is 1 to 3650 days, 90 by default', () => {
    expect(settingsPatch.safeParse({ retentionDays: 0 }).success).toBe(false);
    expect(settingsPatch.safeParse({ retentionDays: 3651 }).success).toBe(false);
    expect(settingsPatch.safeParse({ retentionDays: 1.5 }).success).toBe(false);
    expect(settingsPatch.safeParse({ retentionDays: 3650 }).success).toBe(true);
  });
});
