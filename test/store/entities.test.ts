import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../lib/domain/auth.js';
import type { Chat } from '../../lib/domain/model.js';
import { dynamoStore } from '../../lib/store/dynamo-store.js';
import { itemMapper, value, type Item } from '../../lib/store/entities/attributes.js';
import { allAnswerShards, answerShard, chatFromItem, chatRecordFromItem, newChatItem } from '../../lib/store/entities/chat.js';
import { IDEMPOTENCY_RECORD } from '../../lib/store/entities/idempotency.js';
import { COPY_HEARTBEAT } from '../../lib/domain/availability.js';
import { groupItem, memberItem } from '../../lib/store/entities/group.js';
import { LEGACY_HEARTBEAT, newOperatorItem, operatorFromItem, operatorRecordFromItem } from '../../lib/store/entities/operator.js';
import { settingsAttributes, settingsFromItem, settingsFromQueueItem, siteFromItem, siteItem } from '../../lib/store/entities/site.js';
import { tokenItem, tokenOwnerFromItem } from '../../lib/store/entities/token.js';
import { visitorKey } from '../../lib/store/entities/visitor.js';
import { waitingItem } from '../../lib/store/entities/waiting.js';
import type { ChatRecord, OperatorRecord, SiteRecord } from '../../lib/store/port.js';
import { IDEMPOTENCY_TABLE, INDEXES, LIVENESS_INDEX, LOAD_INDEX, OPEN_CHATS_INDEX, QUEUE_INDEX, TABLE_KEYS } from '../../lib/store/table.js';
import { operatorOf, settingsOf } from '../support/domain.js';

/**
 * Each stored entity is defined once, in lib/store/entities/. These tests hold the stored layout
 * (attribute names, what is written as null and what is left out) to what it was, so that
 * existing items keep reading the same, and the queue index to exactly what a chat start reads.
 */

const CREATED_AT = '2026-11-24T12:00:00.000Z';

const site: SiteRecord = {
  settings: settingsOf({
    siteId: 's1',
    allowedOrigins: ['https://shop.example'],
    defaultOperators: { regular: 'ann', target: null },
    allowVisitorChoice: true,
    maxOpenChatsPerVisitor: null,
  }),
  adminTokenHash: 'admin-hash',
  webhookSeed: null,
  countedFrom: '1970-01-01',
};

const newOperator: OperatorRecord = {
  operator: operatorOf('ann', { siteId: 's1', status: 'offline', heartbeatAtMs: null, maxChats: 4, incarnation: 'inc-1' }),
  tokenHash: 'ann-hash',
  version: 0,
};

function chatOf(overrides: Partial<Chat> = {}): Chat {
  return {
    id: '01JCHAT',
    siteId: 's1',
    visitorId: 'v1',
    clientType: 'regular',
    status: 'assigned',
    operatorId: 'ann',
    assignedBy: 'queue',
    createdAt: CREATED_AT,
    closedAt: null,
    group: null,
    assignedAt: null,
    acceptedAt: null,
    missedBy: [],
    contact: { name: null, email: null },
    ...overrides,
  };
}

/** What DynamoDB gives back: only what was stored (undefined attributes are not written). */
const stored = (item: Item): Item => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));

describe('the site entity (settings item)', () => {
  it('writes the layout it always had, and reads it back as it was', () => {
    const item = siteItem(site, CREATED_AT);
    expect(item).toStrictEqual({
      pk: 'SITE#s1',
      sk: 'SETTINGS',
      type: 'site',
      siteId: 's1',
      name: 'Test site',
      allowedOrigins: ['https://shop.example'],
      distribution: 'queue',
      defaultRegular: 'ann',
      defaultTarget: null,
      allowVisitorChoice: true,
      sharedAvatarUrl: null,
      heartbeatTimeoutSeconds: 90,
      maxOpenChatsPerVisitor: null,
      queueEnabled: true,
      maxWaitingChats: null,
      maxWaitSeconds: 600,
      returningVisitorDays: null,
      answerTimeoutSeconds: null,
      awayAfterMisses: null,
      language: 'en',
      webhookUrl: null,
      retentionDays: 90,
      adminTokenHash: 'admin-hash',
      webhookSeed: null,
      countedFrom: '1970-01-01',
      createdAt: CREATED_AT,
      queuePk: 'SITE#s1',
      queueSk: '!',
      loadKey: -2,
      settingsCopy: settingsAttributes(site.settings),
    });
    expect(siteFromItem(stored(item))).toStrictEqual(site);
    expect(settingsFromQueueItem(stored(item))).toStrictEqual(site.settings);
    expect(settingsFromItem(stored(item))).toStrictEqual(site.settings);
  });

  it('an update writes the settings as one attribute per field', () => {
    expect(Object.keys(settingsAttributes(site.settings))).toEqual([
      'siteId',
      'name',
      'allowedOrigins',
      'distribution',
      'defaultRegular',
      'defaultTarget',
      'allowVisitorChoice',
      'sharedAvatarUrl',
      'heartbeatTimeoutSeconds',
      'maxOpenChatsPerVisitor',
      'queueEnabled',
      'maxWaitingChats',
      'maxWaitSeconds',
      'returningVisitorDays',
      'answerTimeoutSeconds',
      'awayAfterMisses',
      'language',
      'webhookUrl',
      'retentionDays',
    ]);
  });

  it('reads what an older item lacks as the defaults: no limit stays no limit, an absent limit is 3', () => {
    const {
      maxOpenChatsPerVisitor,
      allowedOrigins,
      allowVisitorChoice,
      defaultRegular,
      defaultTarget,
      sharedAvatarUrl,
      queueEnabled,
      maxWaitingChats,
      maxWaitSeconds,
      ...rest
    } = siteItem(site, CREATED_AT);
    const settings = settingsFromItem(rest);
    expect(settings).toMatchObject({
      allowedOrigins: [],
      allowVisitorChoice: false,
      defaultOperators: { regular: null, target: null },
      sharedAvatarUrl: null,
      maxOpenChatsPerVisitor: 3,
      // A site from before the waiting queue gets the queue, with its defaults.
      queueEnabled: true,
      maxWaitingChats: null,
      maxWaitSeconds: 600,
    });
    expect(settingsFromItem({ ...rest, maxOpenChatsPerVisitor: null }).maxOpenChatsPerVisitor).toBeNull();
    // A site from before the statistics' counters: its first report marks it.
    const { countedFrom, ...older } = rest;
    expect(countedFrom).toBe('1970-01-01');
    expect(siteFromItem(older).countedFrom).toBeNull();
    expect(settingsFromItem({ ...rest, maxOpenChatsPerVisitor: 7 }).maxOpenChatsPerVisitor).toBe(7);
    // Each read gets its own list.
    settings.allowedOrigins.push('https://elsewhere.example');
    expect(settingsFromItem(rest).allowedOrigins).toEqual([]);
  });
});

describe('the operator entity', () => {
  it('writes a new operator as it always did: maxChats and heartbeatAtMs only when set, in no index but by its queue position', () => {
    const item = newOperatorItem(newOperator, 90, CREATED_AT);
    expect(item.queueSk).toMatch(/^0#/);
    expect({ ...item, queueSk: '<queue position>' }).toStrictEqual({
      pk: 'SITE#s1',
      sk: 'OP#ann',
      type: 'operator',
      siteId: 's1',
      operatorId: 'ann',
      name: 'Operator ann',
      avatarUrl: null,
      status: 'offline',
      maxChats: 4,
      activeChats: 0,
      lastAssignedAt: null,
      assigned: 0,
      turn: 0,
      incarnation: 'inc-1',
      groups: [],
      // Counters routing never reads: on the item only (neither projected nor copied to groups).
      missed: 0,
      missedInARow: 0,
      tokenHash: 'ann-hash',
      version: 0,
      timeoutMs: 90_000,
      queueSk: '<queue position>',
      // Its place in the load index: no open chat, never assigned.
      loadBase: 0,
      loadKey: 0,
      createdAt: CREATED_AT,
    });
    expect(newOperatorItem({ ...newOperator, operator: { ...newOperator.operator, maxChats: null } }, 90, CREATED_AT)).not.toHaveProperty('maxChats');
  });

  it('round-trips: domain → item → domain', () => {
    const busy: OperatorRecord = {
      operator: operatorOf('bob', { maxChats: null, activeChats: 2, assigned: 9, turn: 4, lastAssignedAt: CREATED_AT, avatarUrl: '/avatars/b.png' }),
      tokenHash: 'bob-hash',
      version: 12,
    };
    for (const record of [newOperator, busy]) {
      const item = stored(newOperatorItem(record, 60, CREATED_AT));
      expect(operatorRecordFromItem(item)).toStrictEqual(record);
      expect(operatorFromItem(item)).toStrictEqual(record.operator);
    }
  });

  it('reads what an older item lacks as the defaults', () => {
    const legacy = { pk: 'SITE#s1', sk: 'OP#old', siteId: 's1', operatorId: 'old', name: 'Old', status: 'online', tokenHash: 'h' };
    expect(operatorRecordFromItem(legacy)).toStrictEqual({
      operator: {
        siteId: 's1',
        id: 'old',
        name: 'Old',
        avatarUrl: null,
        status: 'online',
        maxChats: null,
        activeChats: 0,
        lastAssignedAt: null,
        heartbeatAtMs: null,
        assigned: 0,
        turn: 0,
        incarnation: '',
        groups: [],
        missed: 0,
        missedInARow: 0,
      },
      tokenHash: 'h',
      version: 0,
    });
  });
});

describe('the chat entity', () => {
  it('writes an assigned chat open: in its operator\'s open chats and counting for its visitor', () => {
    const item = newChatItem(chatOf(), 'chat-hash', 'inc-1');
    expect(item).toStrictEqual({
      pk: 'SITE#s1',
      sk: 'CHAT#01JCHAT',
      type: 'chat',
      chatId: '01JCHAT',
      siteId: 's1',
      visitorId: 'v1',
      clientType: 'regular',
      status: 'assigned',
      operatorId: 'ann',
      assignedBy: 'queue',
      createdAt: CREATED_AT,
      closedAt: null,
      group: null,
      assignedAt: null,
      acceptedAt: null,
      missedBy: [],
      contactName: null,
      contactEmail: null,
      tokenHash: 'chat-hash',
      operatorIncarnation: 'inc-1',
      countsForVisitor: true,
      messageCount: 0,
      keepSeconds: 90 * 86_400,
      openChatsPk: 'OPCHATS#s1#ann#inc-1',
    });
    expect(item[OPEN_CHATS_INDEX.sortKey.name]).toBe(CREATED_AT);
  });

  it('with an answer deadline, an assigned chat is also in an answer shard of the liveness index until then', () => {
    const dueAtMs = Date.parse(CREATED_AT) + 30_000;
    const item = newChatItem(chatOf(), 'chat-hash', 'inc-1', dueAtMs);
    expect({ liveShard: item.liveShard, staleAt: item.staleAt }).toEqual({ liveShard: answerShard('s1'), staleAt: dueAtMs });
    expect(allAnswerShards()).toContain(item.liveShard);
    // A chat that waits awaits no accept.
    expect(newChatItem(chatOf({ status: 'waiting', operatorId: null, assignedBy: null }), 'chat-hash', null, dueAtMs)).not.toHaveProperty('liveShard');
  });

  it('writes a chat nobody took with nulls, among its site\'s follow-ups (not an operator\'s open chats), not counting for its visitor', () => {
    const item = newChatItem(chatOf({ status: 'unassigned', operatorId: null, assignedBy: null }), 'chat-hash', null);
    expect(item).toStrictEqual({
      pk: 'SITE#s1',
      sk: 'CHAT#01JCHAT',
      type: 'chat',
      chatId: '01JCHAT',
      siteId: 's1',
      visitorId: 'v1',
      clientType: 'regular',
      status: 'unassigned',
      operatorId: null,
      assignedBy: null,
      createdAt: CREATED_AT,
      closedAt: null,
      group: null,
      assignedAt: null,
      acceptedAt: null,
      missedBy: [],
      contactName: null,
      contactEmail: null,
      tokenHash: 'chat-hash',
      operatorIncarnation: null,
      messageCount: 0,
      keepSeconds: 90 * 86_400,
      // It has ended: it expires the retention after its creation.
      expiresAt: Math.floor(Date.parse(CREATED_AT) / 1000) + 90 * 86_400,
      openChatsPk: 'FOLLOWUP#s1',
    });
  });

  it('round-trips: domain → item → domain, and reads what an older item lacks as the defaults', () => {
    const open: ChatRecord = { chat: chatOf(), tokenHash: 'h', operatorIncarnation: 'inc-1', countsForVisitor: true, messageCount: 3, keepSeconds: 7 * 86_400 };
    const waiting: ChatRecord = {
      chat: chatOf({ status: 'unassigned', operatorId: null, assignedBy: null }),
      tokenHash: 'h',
      operatorIncarnation: null,
      countsForVisitor: false,
      messageCount: 0,
      keepSeconds: 90 * 86_400,
    };
    for (const record of [open, waiting]) {
      const item = stored(newChatItem(record.chat, record.tokenHash, record.operatorIncarnation, null, record.messageCount, record.keepSeconds));
      expect(chatRecordFromItem(item)).toStrictEqual(record);
      expect(chatFromItem(item)).toStrictEqual(record.chat);
    }
    // A chat written before incarnations, visitor counts, messages and retention: no incarnation, does not count, no messages, kept 90 days.
    const { operatorIncarnation, countsForVisitor, messageCount, keepSeconds, ...legacy } = newChatItem(open.chat, 'h', 'inc-1', null, 3, 7 * 86_400);
    expect(chatRecordFromItem(legacy)).toStrictEqual({ ...open, operatorIncarnation: null, countsForVisitor: false, messageCount: 0, keepSeconds: 90 * 86_400 });
  });
});

describe('the token entity', () => {
  const owners: Principal[] = [{ role: 'platform' }, { role: 'admin', siteId: 's1' }, { role: 'operator', siteId: 's1', operatorId: 'ann' }];

  it('writes the owner as it always did, and round-trips it', () => {
    expect(owners.map((owner) => tokenItem('t-hash', owner))).toStrictEqual([
      { pk: 'TOKEN#t-hash', sk: 'TOKEN', type: 'token', role: 'platform' },
      { pk: 'TOKEN#t-hash', sk: 'TOKEN', type: 'token', role: 'admin', siteId: 's1' },
      { pk: 'TOKEN#t-hash', sk: 'TOKEN', type: 'token', role: 'operator', siteId: 's1', operatorId: 'ann' },
    ]);
    for (const owner of owners) expect(tokenOwnerFromItem(tokenItem('t-hash', owner))).toStrictEqual(owner);
  });

  it('knows no owner for a missing item or an unknown role', () => {
    expect(tokenOwnerFromItem(undefined)).toBeNull();
    expect(tokenOwnerFromItem({ pk: 'TOKEN#x', sk: 'TOKEN', role: 'someone' })).toBeNull();
  });
});

describe('the visitor entity and the idempotency table', () => {
  it('keeps their layouts', () => {
    expect(visitorKey('s1', 'v1')).toStrictEqual({ pk: 'SITE#s1', sk: 'VISITOR#v1' });
    expect(IDEMPOTENCY_TABLE).toStrictEqual({ partitionKey: 'id', ttlAttribute: 'expiration' });
    // Powertools' defaults: the records written before the layout was named here read the same.
    expect(IDEMPOTENCY_RECORD).toStrictEqual({
      keyAttr: 'id',
      expiryAttr: 'expiration',
      inProgressExpiryAttr: 'in_progress_expiration',
      statusAttr: 'status',
      dataAttr: 'data',
      validationKeyAttr: 'validation',
    });
  });
});

describe('the indexes, derived from the entities', () => {
  /** Runs the store's queue read on these items, recording every attribute it reads of them. */
  async function readQueueRecording(items: Item[], group?: string) {
    const read = new Set<string>();
    const recording = items.map(
      (item) =>
        new Proxy(item, {
          get(target, attribute, receiver) {
            if (typeof attribute === 'string') read.add(attribute);
            return Reflect.get(target, attribute, receiver);
          },
        }),
    );
    let query: { IndexName?: string } = {};
    const doc = {
      send: async (command: { input: { IndexName?: string } }) => {
        query = command.input;
        return { Items: recording };
      },
    } as unknown as DynamoDBDocumentClient;
    const page = await dynamoStore(doc, 'table').readQueue('s1', { limit: 11, ...(group ? { group } : {}) });
    return { page, read, query };
  }

  it('the queue index projects exactly what a chat start reads of the settings and the operators', async () => {
    const online: OperatorRecord = { ...newOperator, operator: { ...newOperator.operator, status: 'online', heartbeatAtMs: Date.parse(CREATED_AT) } };
    const waiting = waitingItem({ siteId: 's1', chatId: '01JWAIT', visitorId: 'v1', group: null, createdAt: CREATED_AT, escalated: false, missedBy: [] });
    const items = [siteItem(site, CREATED_AT), waiting, newOperatorItem(online, 90, CREATED_AT)].map(stored);
    const { page, read, query } = await readQueueRecording(items);

    expect(query.IndexName).toBe(QUEUE_INDEX.indexName);
    expect(page.settings).toStrictEqual(site.settings);
    expect(page.waiting).toStrictEqual([{ chatId: '01JWAIT', missedBy: [] }]);
    // The heartbeat is not in the index: a copy reads as live (the claim checks the operator's own).
    expect(page.operators).toStrictEqual([{ ...online.operator, heartbeatAtMs: COPY_HEARTBEAT }]);
    // A group's partition: the group (with the settings), its waiting chats, the copies of its operators.
    const group = { siteId: 's1', id: 'sales', name: 'Sales', fallbackAfterSeconds: 30 };
    const member = { ...online.operator, groups: ['sales'] };
    const groupWaiting = waitingItem({ siteId: 's1', chatId: '01JWAIT2', visitorId: 'v2', group: 'sales', createdAt: CREATED_AT, escalated: false, missedBy: [] });
    const inGroup = await readQueueRecording([groupItem(group, site.settings, CREATED_AT), groupWaiting, memberItem(member, 'sales', true)].map(stored), 'sales');
    expect(inGroup.page).toMatchObject({ settings: site.settings, group, waiting: [{ chatId: '01JWAIT2', missedBy: [] }] });
    expect(inGroup.page.operators).toStrictEqual([{ ...member, heartbeatAtMs: COPY_HEARTBEAT }]);
    for (const attribute of inGroup.read) read.add(attribute);
    const keys = new Set<string>([TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, QUEUE_INDEX.partitionKey.name, QUEUE_INDEX.sortKey.name]);
    const nonKeyRead = [...read].filter((attribute) => !keys.has(attribute));
    // All but the heartbeat's old place, still projected (a deployed projection cannot change) and written by nothing.
    expect([...nonKeyRead].sort()).toEqual(QUEUE_INDEX.projectedAttributes.filter((attribute) => attribute !== LEGACY_HEARTBEAT).sort());
    expect(QUEUE_INDEX.projectedAttributes).not.toContain('beatAtMs');
    // Nothing only the server sees is in it.
    for (const secret of ['adminTokenHash', 'tokenHash', 'version']) expect(QUEUE_INDEX.projectedAttributes).not.toContain(secret);
  });

  it('projects at most 20 named attributes into an index (the limit of DynamoDB and CloudFormation)', () => {
    for (const index of INDEXES) expect(index.projectedAttributes?.length ?? 0).toBeLessThanOrEqual(20);
  });

  it('keeps the deployed order of the queue projection (another order would change the index in the template)', () => {
    expect(QUEUE_INDEX.projectedAttributes).toEqual([
      'settingsCopy',
      'siteId',
      'operatorId',
      'name',
      'avatarUrl',
      'status',
      'maxChats',
      'activeChats',
      'lastAssignedAt',
      'heartbeatAtMs',
      'assigned',
      'turn',
      'incarnation',
      'groups',
      'chatId',
      'group',
      'missedBy',
      'groupCopy',
    ]);
  });

  it('the load index projects what the queue index does: the same items in another order', () => {
    expect(LOAD_INDEX.projectedAttributes).toEqual(QUEUE_INDEX.projectedAttributes);
  });

  it('the liveness index projects what the sweep and the repair read, so a claim or a message does not rewrite its entries; openChats whole chats', () => {
    expect(LIVENESS_INDEX.projectedAttributes).toEqual(['siteId', 'operatorId', 'groups', 'chatId', 'assignedAt', 'visitorId', 'group', 'createdAt', 'escalated', 'missedBy']);
    expect(OPEN_CHATS_INDEX.projectedAttributes).toBeUndefined();
  });

  it('the items carry the index keys the table names', () => {
    const settings = siteItem(site, CREATED_AT);
    expect(settings).toHaveProperty(QUEUE_INDEX.partitionKey.name);
    expect(settings).toHaveProperty(QUEUE_INDEX.sortKey.name);
    expect(newOperatorItem(newOperator, 90, CREATED_AT)).toHaveProperty(QUEUE_INDEX.sortKey.name);
    const open = newChatItem(chatOf(), 'h', 'inc-1');
    expect(open).toHaveProperty(OPEN_CHATS_INDEX.partitionKey.name);
    expect(open).toHaveProperty(OPEN_CHATS_INDEX.sortKey.name);
  });
});

describe('the attribute declarations', () => {
  it('refuse two fields stored under one attribute name', () => {
    expect(() => itemMapper<{ a: string; b: string }>({ a: value<string>(), b: value<string>().storedAs('a') })).toThrow(/declared twice/);
  });
});

describe('the store port', () => {
  it('keeps DynamoDB out of the engine: no keys, attribute names, expressions or adapter imports', () => {
    const folder = join(import.meta.dirname, '../../lib/engine');
    const leaks = /\b(pk|sk|queuePk|queueSk|openChatsPk|liveShard|staleAt)\b|Expression|@aws-sdk|store\/(dynamo|entities|table)/;
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(join(folder, file), 'utf8');
      expect(source.match(leaks)?.[0], file).toBeUndefined();
    }
  });
});
