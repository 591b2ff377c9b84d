import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Group, Settings } from '../../domain/model.js';
import { GROUP_SK_PREFIX, groupChanges, groupFromItem, groupItem, groupKey, memberPrefix } from '../entities/group.js';
import { queuePk, sitePk } from '../entities/site.js';
import { waitKey } from '../entities/waiting.js';
import type { WaitingEntry } from '../port.js';
import { CAPACITY, queryPages, type DynamoContext } from './context.js';
import { conditionally } from './operators.js';

export async function getGroup(ctx: DynamoContext, siteId: string, groupId: string): Promise<Group | null> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: groupKey(siteId, groupId), ConsistentRead: true, ...CAPACITY }),
  );
  return Item ? groupFromItem(Item) : null;
}

export async function listGroups(ctx: DynamoContext, siteId: string): Promise<Group[]> {
  const groups: Group[] = [];
  const pages = queryPages(ctx, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': sitePk(siteId), ':prefix': GROUP_SK_PREFIX },
    ConsistentRead: true,
  });
  for await (const page of pages) groups.push(...(page.Items ?? []).map(groupFromItem));
  return groups;
}

/**
 * Creates the group (with the site's settings copied to the head of its partition) or updates
 * its name and fallback; which of the two it did.
 */
export async function putGroup(ctx: DynamoContext, group: Group, settings: Settings, nowIso: string): Promise<'created' | 'updated'> {
  const created = await conditionally(() =>
    ctx.doc.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: groupItem(group, settings, nowIso),
        ConditionExpression: 'attribute_not_exists(pk)',
        ...CAPACITY,
      }),
    ),
  );
  if (created) return 'created';
  const changes = groupChanges(group);
  const names = Object.keys(changes);
  await ctx.doc.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: groupKey(group.siteId, group.id),
      UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, changes[name]])),
      ...CAPACITY,
    }),
  );
  return 'updated';
}

/** Deletes the group's item; false when there was none. Its copies and waiting chats are the caller's next steps. */
export function deleteGroupItem(ctx: DynamoContext, siteId: string, groupId: string): Promise<boolean> {
  return conditionally(() =>
    ctx.doc.send(
      new DeleteCommand({ TableName: ctx.tableName, Key: groupKey(siteId, groupId), ConditionExpression: 'attribute_exists(pk)', ...CAPACITY }),
    ),
  );
}

/** The operators with a copy in the group (read from the table: every member, available or not). */
export async function listMemberIds(ctx: DynamoContext, siteId: string, groupId: string): Promise<string[]> {
  const ids: string[] = [];
  const pages = queryPages(ctx, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': sitePk(siteId), ':prefix': memberPrefix(groupId) },
    ProjectionExpression: 'operatorId',
    ConsistentRead: true,
  });
  for await (const page of pages) ids.push(...(page.Items ?? []).map((item) => String(item.operatorId)));
  return ids;
}

/**
 * Moves a group chat's queue entry to the site's partition: any operator may take it now. False
 * when it no longer waits or had already moved. Its stream record wakes the dispatcher.
 */
export function escalateWaiting(ctx: DynamoContext, entry: WaitingEntry): Promise<boolean> {
  return conditionally(() =>
    ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: waitKey(entry.siteId, entry.chatId),
        UpdateExpression: 'SET queuePk = :site, escalated = :yes',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(escalated)',
        ExpressionAttributeValues: { ':site': queuePk(entry.siteId), ':yes': true },
        ...CAPACITY,
      }),
    ),
  );
}

/** Copies changed settings to the head of each group's partition (after the settings item itself). */
export async function copySettingsToGroups(ctx: DynamoContext, siteId: string, changed: Record<string, unknown>, copyAttribute: string) {
  const names = Object.keys(changed);
  if (names.length === 0) return;
  for (const group of await listGroups(ctx, siteId)) {
    await conditionally(() =>
      ctx.doc.send(
        new UpdateCommand({
          TableName: ctx.tableName,
          Key: groupKey(siteId, group.id),
          UpdateExpression: `SET ${names.map((name) => `#copy.#${name} = :${name}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(#copy)',
          ExpressionAttributeNames: { '#copy': copyAttribute, ...Object.fromEntries(names.map((name) => [`#${name}`, name])) },
          ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, changed[name]])),
          ...CAPACITY,
        }),
      ),
    );
  }
}
