import { GetCommand, QueryCommand, UpdateCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { STALE_GRACE_MS } from '../../domain/availability.js';
import type { Settings } from '../../domain/model.js';
import { OPERATOR_SK_PREFIX, operatorKey } from '../entities/operator.js';
import { SETTINGS_COPY, settingsAttributes, settingsKey, siteFromItem, siteItem, sitePk } from '../entities/site.js';
import type { SiteRecord } from '../port.js';
import { ContentionError, siteNotFound } from '../../domain/errors.js';
import { CAPACITY, isConditionFailure, transact, type DynamoContext } from './context.js';
import { copySettingsToGroups } from './groups.js';
import { platformTokenPut, tokenPut } from './tokens.js';

export async function createSite(ctx: DynamoContext, site: SiteRecord, createdAt: string, platformTokenHash?: string): Promise<void> {
  const outcome = await transact(ctx, [
    {
      Put: {
        TableName: ctx.tableName,
        Item: siteItem(site, createdAt),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    tokenPut(ctx, site.adminTokenHash, { role: 'admin', siteId: site.settings.siteId }),
    ...(platformTokenHash ? [platformTokenPut(ctx, platformTokenHash)] : []),
  ]);
  // Site ids and tokens are fresh random values: a collision is not a race to handle.
  if (!outcome.written) throw new Error('site id or admin token collision');
}

export async function getSite(ctx: DynamoContext, siteId: string): Promise<SiteRecord | null> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: settingsKey(siteId), ConsistentRead: true, ...CAPACITY }),
  );
  return Item ? siteFromItem(Item) : null;
}

/**
 * Marks a site from before the counters with the first day they hold whole (see engine/stats.ts),
 * unless it has one already; what the site then has (null: no such site).
 */
export async function markCountedFrom(ctx: DynamoContext, siteId: string, day: string): Promise<string | null> {
  const marked = await updateSiteItem(ctx, siteId, {
    UpdateExpression: 'SET countedFrom = :day',
    ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(countedFrom) OR attribute_type(countedFrom, :null))',
    ExpressionAttributeValues: { ':day': day, ':null': 'NULL' },
  });
  // Not marked: marked meanwhile by another report, or deleted.
  return marked ? day : ((await getSite(ctx, siteId))?.countedFrom ?? null);
}

/** A conditional update of the site's settings item; false when its condition fails. */
async function updateSiteItem(ctx: DynamoContext, siteId: string, update: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> }) {
  try {
    await ctx.doc.send(new UpdateCommand({ TableName: ctx.tableName, Key: settingsKey(siteId), ...update, ...CAPACITY }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function saveSettings(
  ctx: DynamoContext,
  settings: Settings,
  previous: Settings,
  requiredOperators: string[],
  webhookSeed?: string,
): Promise<{ missingOperator?: string }> {
  const next = settingsAttributes(settings);
  const before = settingsAttributes(previous);
  // Only what changed, so that two admins editing different fields do not undo each other.
  const names = Object.keys(next).filter((name) => JSON.stringify(next[name]) !== JSON.stringify(before[name]));
  if (names.length === 0) return {};
  // Each field and its place in the packed copy; an item from before the copy gets it whole.
  const write = (legacy: boolean) =>
    transact(ctx, [
      {
        Update: {
          TableName: ctx.tableName,
          Key: settingsKey(settings.siteId),
          UpdateExpression: `SET ${[
            ...names.map((name) => `#${name} = :${name}`),
            ...(legacy ? ['#copy = :copy'] : names.map((name) => `#copy.#${name} = :${name}`)),
            ...(webhookSeed ? ['webhookSeed = :webhookSeed'] : []),
          ].join(', ')}`,
          ConditionExpression: legacy ? 'attribute_exists(pk) AND attribute_not_exists(#copy)' : 'attribute_exists(#copy)',
          ExpressionAttributeNames: { '#copy': SETTINGS_COPY, ...Object.fromEntries(names.map((name) => [`#${name}`, name])) },
          ExpressionAttributeValues: {
            ...Object.fromEntries(names.map((name) => [`:${name}`, next[name]])),
            ...(legacy ? { ':copy': next } : {}),
            ...(webhookSeed ? { ':webhookSeed': webhookSeed } : {}),
          },
        },
      },
      ...requiredOperators.map((operatorId) => ({
        ConditionCheck: {
          TableName: ctx.tableName,
          Key: operatorKey(settings.siteId, operatorId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      })),
    ]);
  let outcome = await write(false);
  if (!outcome.written && outcome.failedAt === 0 && (await isLegacySite(ctx, settings.siteId))) outcome = await write(true);
  if (!outcome.written) {
    if (outcome.failedAt > 0) return { missingOperator: requiredOperators[outcome.failedAt - 1] };
    if (outcome.failedAt === 0) throw siteNotFound();
    throw new ContentionError();
  }
  await copySettingsToGroups(ctx, settings.siteId, Object.fromEntries(names.map((name) => [name, next[name]])), SETTINGS_COPY);
  return {};
}

/** A site whose settings item was written before the packed copy existed. */
async function isLegacySite(ctx: DynamoContext, siteId: string): Promise<boolean> {
  const { Item } = await ctx.doc.send(
    new GetCommand({
      TableName: ctx.tableName,
      Key: settingsKey(siteId),
      ProjectionExpression: 'pk, #copy.siteId',
      ExpressionAttributeNames: { '#copy': SETTINGS_COPY },
      ConsistentRead: true,
      ...CAPACITY,
    }),
  );
  return Item !== undefined && Item[SETTINGS_COPY] === undefined;
}

const RETIME_READ = 'pk, sk, beatAtMs, timeoutMs, liveShard, staleAt';

/**
 * One operator's copy of the timeout, conditional on its next liveness check being the one read:
 * a check that moved it meanwhile (to a stale time from the old timeout) makes it read again.
 */
async function retimeOperator(ctx: DynamoContext, read: Record<string, unknown>, timeoutMs: number) {
  let item: Record<string, unknown> | undefined = read;
  for (let attempt = 0; item && attempt < 5; attempt += 1) {
    const beatAtMs = typeof item.beatAtMs === 'number' ? item.beatAtMs : null;
    const checkEarlier = beatAtMs !== null && typeof item.liveShard === 'string' && Number(item.staleAt) > beatAtMs + timeoutMs + STALE_GRACE_MS;
    const sets = ['timeoutMs = :t', ...(beatAtMs !== null ? ['liveUntil = beatAtMs + :t'] : []), ...(checkEarlier ? ['staleAt = beatAtMs + :graceEnd'] : [])];
    const checkAsRead = item.staleAt === undefined ? 'attribute_not_exists(staleAt)' : 'staleAt = :staleAt';
    try {
      await ctx.doc.send(
        new UpdateCommand({
          TableName: ctx.tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND ${checkAsRead}`,
          ExpressionAttributeValues: {
            ':t': timeoutMs,
            ...(checkEarlier ? { ':graceEnd': timeoutMs + STALE_GRACE_MS } : {}),
            ...(item.staleAt === undefined ? {} : { ':staleAt': item.staleAt }),
          },
          ...CAPACITY,
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // Deleted, or its check moved on: as it is now.
    item = (await ctx.doc.send(new GetCommand({ TableName: ctx.tableName, Key: { pk: read.pk, sk: read.sk }, ProjectionExpression: RETIME_READ, ConsistentRead: true, ...CAPACITY }))).Item;
  }
}

/**
 * Operators carry a copy of the site's heartbeat timeout so that a heartbeat can set their
 * stale time (liveUntil) in one write; a change of the timeout rewrites the copies, a page of
 * operators at a time (after `afterOperatorId`), skipping those that have it already. A shorter
 * timeout also brings forward a liveness check due later than the new stale time: that check's
 * message then no longer matches, and the sweep acts on it when it comes due. Returns where the
 * next page starts, if any.
 */
export async function retimeOperators(
  ctx: DynamoContext,
  siteId: string,
  timeoutMs: number,
  limit: number,
  afterOperatorId?: string,
): Promise<{ updated: number; next?: string }> {
  const page: QueryCommandOutput = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': sitePk(siteId), ':prefix': OPERATOR_SK_PREFIX },
      ProjectionExpression: RETIME_READ,
      ConsistentRead: true,
      Limit: limit,
      ...(afterOperatorId ? { ExclusiveStartKey: operatorKey(siteId, afterOperatorId) } : {}),
      ...CAPACITY,
    }),
  );
  const stale = (page.Items ?? []).filter((item) => item.timeoutMs !== timeoutMs);
  await Promise.all(stale.map((item) => retimeOperator(ctx, item, timeoutMs)));
  const last = page.LastEvaluatedKey?.sk;
  return { updated: stale.length, ...(typeof last === 'string' ? { next: last.slice(OPERATOR_SK_PREFIX.length) } : {}) };
}

/** A new seed for the site's webhook secret (the old secret stops signing at once); false when there is no such site. */
export async function setWebhookSeed(ctx: DynamoContext, siteId: string, seed: string): Promise<boolean> {
  return updateSiteItem(ctx, siteId, { UpdateExpression: 'SET webhookSeed = :seed', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':seed': seed } });
}
