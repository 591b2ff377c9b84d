import { describe, expect, it } from 'vitest';
import { DomainError } from '../../lib/domain/errors.js';
import { closeChat, requireChat } from '../../lib/engine/chats.js';
import { deleteOperator, listOperators, setOperatorStatus } from '../../lib/engine/operators.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { expectDomainError } from '../support/domain.js';
import { siteWithOperators } from '../support/fixtures.js';
import { testEngine } from '../support/engine.js';

const visitor = (visitorId: string) => ({ visitorId, clientType: 'regular' as const });

async function openChatsOnOperators(deps: Parameters<typeof listOperators>[0], siteId: string) {
  return (await listOperators(deps, siteId)).reduce((sum, operator) => sum + operator.activeChats, 0);
}

describe('open chats per visitor (maxOpenChatsPerVisitor)', () => {
  it('defaults to 3: the fourth open chat is a 429 that writes nothing; a close makes room again', async () => {
    const { deps } = testEngine({ clock: () => Date.now() });
    const { siteId } = await siteWithOperators(deps, 2);
    const first = await startChat(deps, siteId, visitor('v1'));
    await startChat(deps, siteId, visitor('v1'));
    await startChat(deps, siteId, visitor('v1'));
    const before = await listOperators(deps, siteId);

    await expectDomainError(startChat(deps, siteId, visitor('v1')), 429, 'too_many_open_chats');
    expect(await listOperators(deps, siteId)).toEqual(before);
    // Another visitor is not affected.
    expect((await startChat(deps, siteId, visitor('v2'))).chat.status).toBe('assigned');

    await closeChat(deps, await requireChat(deps, siteId, first.chat.id));
    expect((await startChat(deps, siteId, visitor('v1'))).chat.status).toBe('assigned');
    await expectDomainError(startChat(deps, siteId, visitor('v1')), 429, 'too_many_open_chats');
  });

  it('holds under 20 concurrent starts by one visitor: exactly the limit is assigned', async () => {
    const { deps } = testEngine({ clock: () => Date.now() });
    const { siteId } = await siteWithOperators(deps, 5, { settings: { maxOpenChatsPerVisitor: 4 } });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => startChat(deps, siteId, visitor('burst'))));
    const assigned = results.filter((result) => result.status === 'fulfilled');
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(assigned).toHaveLength(4);
    expect(refused).toHaveLength(16);
    for (const error of refused) expect(error).toMatchObject({ statusCode: 429, code: 'too_many_open_chats' });
    expect(await openChatsOnOperators(deps, siteId)).toBe(4);
  });

  it('a visitor at the limit is refused even when nobody is available; unassigned chats do not count', async () => {
    const { deps } = testEngine({ clock: () => Date.now() });
    const { siteId } = await siteWithOperators(deps, 1, { settings: { maxOpenChatsPerVisitor: 1, queueEnabled: false } });
    expect((await startChat(deps, siteId, visitor('v1'))).chat.status).toBe('assigned');
    await setOperatorStatus(deps, siteId, 'op1', 'offline');
    const refusal = await startChat(deps, siteId, visitor('v1')).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ statusCode: 429 });
    // Another visitor's unassigned chats are recorded, as many as it likes.
    for (let i = 0; i < 3; i += 1) expect((await startChat(deps, siteId, visitor('v2'))).chat.status).toBe('unassigned');
    await setOperatorStatus(deps, siteId, 'op1', 'online');
    expect((await startChat(deps, siteId, visitor('v2'))).chat.status).toBe('assigned');
  });

  it('null lifts the limit; closing a chat whose operator was deleted gives the count back', async () => {
    const { deps } = testEngine({ clock: () => Date.now() });
    const { siteId } = await siteWithOperators(deps, 2, { settings: { maxOpenChatsPerVisitor: null } });
    const chats = [];
    for (let i = 0; i < 6; i += 1) chats.push(await startChat(deps, siteId, visitor('v1')));
    expect(chats.every((result) => result.chat.status === 'assigned')).toBe(true);

    const { siteId: limited } = await siteWithOperators(deps, 2, { settings: { maxOpenChatsPerVisitor: 1 } });
    const only = await startChat(deps, limited, visitor('v1'));
    await deleteOperator(deps, limited, only.chat.operatorId!);
    await closeChat(deps, await requireChat(deps, limited, only.chat.id));
    expect((await startChat(deps, limited, visitor('v1'))).chat.status).toBe('assigned');
  });
});
