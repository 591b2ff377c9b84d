import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatStore } from './port.js';
import * as chats from './dynamo/chats.js';
import type { DynamoContext } from './dynamo/context.js';
import * as groups from './dynamo/groups.js';
import * as messages from './dynamo/messages.js';
import * as operators from './dynamo/operators.js';
import * as randomSlots from './dynamo/random-slots.js';
import * as reassign from './dynamo/reassign.js';
import * as sites from './dynamo/sites.js';
import * as tokens from './dynamo/tokens.js';
import * as waiting from './dynamo/waiting.js';
import * as webhooks from './dynamo/webhooks.js';
import * as live from './dynamo/live.js';
import * as statCounters from './dynamo/stat-counters.js';
import { checkLiveness, dueLivenessChecks, setOfflineIfStale } from './dynamo/liveness.js';
import { retryTransactionConflicts } from './dynamo/transaction-conflicts.js';
import { translatingUnavailable } from './dynamo/unavailable.js';

export function documentClient(from: DynamoDBClientConfig | DynamoDBClient = {}): DynamoDBDocumentClient {
  const client = from instanceof DynamoDBClient ? from : new DynamoDBClient(from);
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  retryTransactionConflicts(doc);
  return doc;
}

/**
 * The DynamoDB adapter of the store port. Throttling and network faults that survive the SDK's
 * retries leave it as 503 domain errors (with Retry-After); no write is half-done, since every
 * multi-item write is a transaction.
 */
export function dynamoStore(doc: DynamoDBDocumentClient, tableName: string): ChatStore {
  const ctx: DynamoContext = { doc, tableName };
  return translatingUnavailable<ChatStore>({
    createSite: (site, createdAt, platformTokenHash) => sites.createSite(ctx, site, createdAt, platformTokenHash),
    getSite: (siteId) => sites.getSite(ctx, siteId),
    markCountedFrom: (siteId, day) => sites.markCountedFrom(ctx, siteId, day),
    saveSettings: (settings, previous, required, webhookSeed) => sites.saveSettings(ctx, settings, previous, required, webhookSeed),
    retimeOperators: (siteId, timeoutMs, limit, after) => sites.retimeOperators(ctx, siteId, timeoutMs, limit, after),
    setWebhookSeed: (siteId, seed) => sites.setWebhookSeed(ctx, siteId, seed),
    recordWebhookDelivery: (siteId, delivery) => webhooks.recordWebhookDelivery(ctx, siteId, delivery),
    listWebhookDeliveries: (siteId, limit) => webhooks.listWebhookDeliveries(ctx, siteId, limit),
    openConnection: (connectionId, nowMs) => live.openConnection(ctx, connectionId, nowMs),
    subscribe: (connectionId, watch, nowMs) => live.subscribe(ctx, connectionId, watch, nowMs),
    connectionWatch: (connectionId) => live.connectionWatch(ctx, connectionId),
    closeConnection: (connectionId) => live.closeConnection(ctx, connectionId),
    siteSubscriptions: (siteId) => live.siteSubscriptions(ctx, siteId),
    getOperator: (siteId, operatorId, options) => operators.getOperator(ctx, siteId, operatorId, options),
    listOperators: (siteId, options) => operators.listOperators(ctx, siteId, options),
    createOperator: (record, timeoutSeconds, createdAt) => operators.createOperator(ctx, record, timeoutSeconds, createdAt),
    updateOperator: (record, changes, nowMs) => operators.updateOperator(ctx, record, changes, nowMs),
    setStatus: (record, change) => operators.setStatus(ctx, record, change),
    recordHeartbeat: (siteId, operatorId, nowMs) => operators.recordHeartbeat(ctx, siteId, operatorId, nowMs),
    deleteOperator: (site, record) => operators.deleteOperator(ctx, site, record),
    findTokenOwner: (tokenHash) => tokens.findTokenOwner(ctx, tokenHash),
    rotateOperatorToken: (record, newTokenHash) => tokens.rotateOperatorToken(ctx, record, newTokenHash),
    rotateAdminToken: (site, newTokenHash) => tokens.rotateAdminToken(ctx, site, newTokenHash),
    readQueue: (siteId, options) => operators.readQueue(ctx, siteId, options),
    readRandomSlot: (siteId, slot) => randomSlots.readRandomSlot(ctx, siteId, slot),
    keepRandomSlot: (siteId, operatorId, leaving) => randomSlots.keepRandomSlot(ctx, siteId, operatorId, leaving),
    claim: (input) => chats.claim(ctx, input),
    recordUnassignedChat: (chat, tokenHash, visitorLimit, firstMessage, keepSeconds) => chats.recordUnassignedChat(ctx, chat, tokenHash, visitorLimit, firstMessage, keepSeconds),
    recordWaitingChat: (chat, tokenHash, visitorLimit, escalated, firstMessage, keepSeconds) =>
      waiting.recordWaitingChat(ctx, chat, tokenHash, visitorLimit, escalated, firstMessage, keepSeconds),
    readWaiting: (siteId, limit, afterChatId) => waiting.readWaiting(ctx, siteId, limit, afterChatId),
    listWaiting: (siteId) => waiting.listWaiting(ctx, siteId),
    countWaiting: (siteId, upTo) => waiting.countWaiting(ctx, siteId, upTo),
    waitingPosition: (siteId, chatId) => waiting.waitingPosition(ctx, siteId, chatId),
    assignWaiting: (batch) => waiting.assignWaiting(ctx, batch),
    expireWaiting: (record, nowMs) => waiting.expireWaiting(ctx, record, nowMs),
    listAllWaiting: () => waiting.listAllWaiting(ctx),
    lastAssignment: (siteId, visitorId) => waiting.lastAssignment(ctx, siteId, visitorId),
    countClose: (siteId, nowMs) => waiting.countClose(ctx, siteId, nowMs),
    recentCloses: (siteId, nowMs) => waiting.recentCloses(ctx, siteId, nowMs),
    getGroup: (siteId, groupId) => groups.getGroup(ctx, siteId, groupId),
    listGroups: (siteId) => groups.listGroups(ctx, siteId),
    putGroup: (group, settings, nowIso) => groups.putGroup(ctx, group, settings, nowIso),
    deleteGroupItem: (siteId, groupId) => groups.deleteGroupItem(ctx, siteId, groupId),
    listMemberIds: (siteId, groupId) => groups.listMemberIds(ctx, siteId, groupId),
    escalateWaiting: (entry) => groups.escalateWaiting(ctx, entry),
    getChat: (siteId, chatId) => chats.getChat(ctx, siteId, chatId),
    closeChat: (record, closedAt) => chats.closeChat(ctx, record, closedAt),
    takeBack: (input) => reassign.takeBack(ctx, input),
    acceptChat: (record, acceptedAt) => reassign.acceptChat(ctx, record, acceptedAt),
    resetMissedInARow: (siteId, operatorId) => reassign.resetMissedInARow(ctx, siteId, operatorId),
    transferToOperator: (input) => reassign.transferToOperator(ctx, input),
    regroupWaiting: (record, group, escalated) => reassign.regroupWaiting(ctx, record, group, escalated),
    putMessage: (record, message) => messages.putMessage(ctx, record, message),
    listMessages: (siteId, chatId, limit, afterId) => messages.listMessages(ctx, siteId, chatId, limit, afterId),
    listFollowUps: (siteId, limit, cursor) => messages.listFollowUps(ctx, siteId, limit, cursor),
    listOverdueAnswers: (beforeMs) => reassign.listOverdueAnswers(ctx, beforeMs),
    openChatsPage: (operator, limit, cursor) => reassign.openChatsPage(ctx, operator, limit, cursor),
    listOpenChats: (siteId, operatorId, incarnation) => chats.listOpenChats(ctx, siteId, operatorId, incarnation),
    listChats: (siteId, range) => chats.listChats(ctx, siteId, range),
    readStatCounters: (siteId, fromDay, toDay) => statCounters.readCounters(ctx, siteId, fromDay, toDay),
    checkLiveness: (check, nowMs) => checkLiveness(ctx, check, nowMs),
    dueLivenessChecks: (nowMs) => dueLivenessChecks(ctx, nowMs),
    setOfflineIfStale: (operator, cutoffMs) => setOfflineIfStale(ctx, operator, cutoffMs),
  });
}
