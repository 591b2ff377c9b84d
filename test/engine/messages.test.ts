import { beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../lib/domain/auth.js';
import { closeChat, closeChatFor, requireChat } from '../../lib/engine/chats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { handleDeadline } from '../../lib/engine/handle-deadline.js';
import { listFollowUps, postMessage, readMessages } from '../../lib/engine/messages.js';
import { requireOperator } from '../../lib/engine/operators.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { expectDomainError } from '../support/domain.js';
import { isolatedTable, testEngine } from '../support/engine.js';
import { siteWithOperators } from '../support/fixtures.js';

let deps: EngineDeps;
let sent: Parameters<EngineDeps['deadlines']['schedule']>[0][];

beforeAll(async () => {
  // The follow-ups are read per site, but a table of its own keeps the counts of this file exact.
  const engine = testEngine({ tableName: await isolatedTable('messages', { stream: false }) });
  sent = [];
  deps = {
    ...engine.deps,
    clock: engine.clock.ticking,
    deadlines: {
      schedule: (deadline) => {
        sent.push(deadline);
        return Promise.resolve();
      },
    },
  };
});

const operator = (siteId: string, operatorId: string): Principal => ({ role: 'operator', siteId, operatorId });
const visitor = (chatToken: string) => ({ principal: null, bearer: chatToken });
let visitors = 0;

describe('messages', () => {
  it('the visitor and the chat\'s operator write both ways, read oldest first in pages; the first message goes with the start', async () => {
    const { siteId } = await siteWithOperators(deps, 1, { settings: { answerTimeoutSeconds: 60 } });
    const started = await startChat(deps, siteId, { visitorId: `v${(visitors += 1)}`, clientType: 'regular', message: 'Hello, is anyone there?' });
    const chatId = started.chat.id;
    const byVisitor = await postMessage(deps, siteId, chatId, visitor(started.chatToken), '<b>not bold</b>');
    const byOperator = await postMessage(deps, siteId, chatId, { principal: operator(siteId, 'op1'), bearer: undefined }, 'Hi! How can I help?');
    expect(byVisitor).toMatchObject({ from: 'visitor', operatorId: null, text: '<b>not bold</b>' });
    expect(byOperator).toMatchObject({ from: 'operator', operatorId: 'op1' });

    const all = await readMessages(deps, siteId, chatId, visitor(started.chatToken));
    expect(all.map((message) => [message.from, message.text])).toEqual([
      ['visitor', 'Hello, is anyone there?'],
      ['visitor', '<b>not bold</b>'],
      ['operator', 'Hi! How can I help?'],
    ]);
    expect(await readMessages(deps, siteId, chatId, { principal: { role: 'admin', siteId }, bearer: undefined }, all[0]!.id)).toEqual(all.slice(1));
    // The operator's first message accepted the chat, as the accept route does.
    expect((await requireChat(deps, siteId, chatId)).chat.acceptedAt).toBe(byOperator.createdAt);
  });

  it('the visitor and the operator writing at once: every message kept, numbered 1, 2, 3… in the order they landed', async () => {
    const { siteId } = await siteWithOperators(deps, 1);
    const started = await startChat(deps, siteId, { visitorId: `v${(visitors += 1)}`, clientType: 'regular', message: 'first' });
    const chatId = started.chat.id;
    const written = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0
          ? postMessage(deps, siteId, chatId, visitor(started.chatToken), `visitor ${i}`)
          : postMessage(deps, siteId, chatId, { principal: operator(siteId, 'op1'), bearer: undefined }, `operator ${i}`),
      ),
    );
    const read = await readMessages(deps, siteId, chatId, visitor(started.chatToken));
    expect(read.map((message) => Number(message.id))).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(new Set(read.map((message) => message.text))).toEqual(new Set(['first', ...written.map((message) => message.text)]));
    // Each writer was told the number its message got.
    for (const message of written) expect(read.find((stored) => stored.id === message.id)?.text).toBe(message.text);
  });

  it('pages of 100', async () => {
    const { siteId } = await siteWithOperators(deps, 1);
    const started = await startChat(deps, siteId, { visitorId: `v${(visitors += 1)}`, clientType: 'regular' });
    for (let i = 0; i < 105; i += 1) await postMessage(deps, siteId, started.chat.id, visitor(started.chatToken), `m${i}`);
    const first = await readMessages(deps, siteId, started.chat.id, visitor(started.chatToken));
    const rest = await readMessages(deps, siteId, started.chat.id, visitor(started.chatToken), first.at(-1)!.id);
    expect([first.length, rest.length]).toEqual([100, 5]);
    expect([...first, ...rest].map((message) => message.text)).toEqual(Array.from({ length: 105 }, (_, i) => `m${i}`));
  });

  it('refused, writing nothing: a closed chat (409), an operator who lost the chat, the admin, another chat\'s token (403)', async () => {
    const { siteId } = await siteWithOperators(deps, 2, { settings: { answerTimeoutSeconds: 10, allowVisitorChoice: true } });
    const one = await startChat(deps, siteId, { visitorId: `v${(visitors += 1)}`, clientType: 'regular', operatorId: 'op1' });
    const other = await startChat(deps, siteId, { visitorId: `v${(visitors += 1)}`, clientType: 'regular', operatorId: 'op2' });
    await expectDomainError(postMessage(deps, siteId, one.chat.id, visitor(other.chatToken), 'hi'), 403, 'forbidden');
    await expectDomainError(postMessage(deps, siteId, one.chat.id, { principal: operator(siteId, 'op2'), bearer: undefined }, 'hi'), 403, 'forbidden');
    await expectDomainError(postMessage(deps, siteId, one.chat.id, { principal: { role: 'admin', siteId }, bearer: undefined }, 'hi'), 403, 'forbidden');
    // Taken back unanswered: op1 may no longer write; the visitor may, while it waits.
    const deadline = sent.find((candidate) => 'chatId' in candidate && candidate.chatId === one.chat.id)!;
    await handleDeadline({ ...deps, clock: () => deadline.dueAtMs }, deadline);
    expect((await requireChat(deps, siteId, one.chat.id)).chat.status).not.toBe('assigned');
    await expectDomainError(postMessage(deps, siteId, one.chat.id, { principal: operator(siteId, 'op1'), bearer: undefined }, 'too late'), 403, 'forbidden');
    await postMessage(deps, siteId, one.chat.id, visitor(one.chatToken), 'still here');
    await closeChat(deps, await requireChat(deps, siteId, one.chat.id));
    await expectDomainError(postMessage(deps, siteId, one.chat.id, visitor(one.chatToken), 'after the close'), 409, 'chat_closed');
    expect((await readMessages(deps, siteId, one.chat.id, visitor(one.chatToken))).map((message) => message.text)).toEqual(['still here']);
    expect((await requireOperator(deps, siteId, 'op1')).operator.missed).toBe(1);
  });
});

describe('follow-ups', () => {
  it('a chat nobody takes keeps its contact and first message, and is listed newest first, 20 a page, until closed', async () => {
    const { siteId } = await siteWithOperators(deps, 0, { settings: { queueEnabled: false, maxOpenChatsPerVisitor: null } });
    const ids: string[] = [];
    for (let i = 0; i < 23; i += 1) {
      const started = await startChat(deps, siteId, {
        visitorId: `f${i}`,
        clientType: 'regular',
        message: `Please call me back (${i})`,
        contact: { name: `Visitor ${i}`, email: `v${i}@example.com` },
      });
      expect(started.chat).toMatchObject({ status: 'unassigned', contact: { name: `Visitor ${i}`, email: `v${i}@example.com` } });
      ids.push(started.chat.id);
    }
    const first = await listFollowUps(deps, siteId);
    expect(first.chats.map((chat) => chat.id)).toEqual(ids.slice(-20).reverse());
    const second = await listFollowUps(deps, siteId, first.cursor);
    expect(second.chats.map((chat) => chat.id)).toEqual(ids.slice(0, 3).reverse());
    expect(second.cursor).toBeUndefined();
    const admin = { principal: { role: 'admin', siteId } as Principal, bearer: undefined };
    expect((await readMessages(deps, siteId, ids[0]!, admin)).map((message) => message.text)).toEqual(['Please call me back (0)']);

    await closeChat(deps, await requireChat(deps, siteId, ids[22]!));
    expect((await listFollowUps(deps, siteId)).chats.map((chat) => chat.id)).not.toContain(ids[22]);
    // The admin closes one it handled; another site's admin may not.
    await expectDomainError(closeChatFor(deps, siteId, ids[21]!, { principal: { role: 'admin', siteId: 'elsewhere' }, chatToken: undefined }), 403, 'forbidden');
    expect((await closeChatFor(deps, siteId, ids[21]!, { principal: { role: 'admin', siteId }, chatToken: undefined })).status).toBe('closed');
    expect((await listFollowUps(deps, siteId)).chats.map((chat) => chat.id)).not.toContain(ids[21]);
    await expectDomainError(listFollowUps(deps, siteId, 'bm90LWEtY3Vyc29y'), 400, 'invalid_request');
    const elsewhere = await siteWithOperators(deps, 0);
    await expectDomainError(listFollowUps(deps, elsewhere.siteId, first.cursor), 400, 'invalid_request');
  });
});
