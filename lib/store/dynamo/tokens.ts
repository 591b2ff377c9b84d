import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Principal } from '../../domain/auth.js';
import { operatorKey } from '../entities/operator.js';
import { settingsKey } from '../entities/site.js';
import { tokenItem, tokenKey, tokenOwnerFromItem } from '../entities/token.js';
import type { OperatorRecord, SiteRecord } from '../port.js';
import { CAPACITY, transact, type DynamoContext } from './context.js';

/** The token item, by the token's hash: written in the same transaction as its owner. */
export function tokenPut(ctx: DynamoContext, tokenHash: string, owner: Exclude<Principal, { role: 'platform' }>) {
  return {
    Put: {
      TableName: ctx.tableName,
      Item: tokenItem(tokenHash, owner),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * The platform token's item (by its hash; written again with every site, so unconditional), so
 * that functions without the secret can tell it from an unknown token.
 */
export function platformTokenPut(ctx: DynamoContext, tokenHash: string) {
  return { Put: { TableName: ctx.tableName, Item: tokenItem(tokenHash, { role: 'platform' }) } };
}

export async function findTokenOwner(ctx: DynamoContext, tokenHash: string): Promise<Principal | null> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: tokenKey(tokenHash), ConsistentRead: true, ...CAPACITY }),
  );
  return tokenOwnerFromItem(Item);
}

/**
 * Replaces a token in one transaction: the owner's record moves to the new hash on the condition
 * that it still holds the old one, the old token item goes (so the old token stops working at
 * once) and the new one comes. False when another rotation got there first.
 */
async function replaceToken(
  ctx: DynamoContext,
  ownerKey: Record<string, string>,
  hashAttribute: 'tokenHash' | 'adminTokenHash',
  oldHash: string,
  newHash: string,
  owner: Exclude<Principal, { role: 'platform' }>,
): Promise<boolean> {
  const outcome = await transact(ctx, [
    {
      Update: {
        TableName: ctx.tableName,
        Key: ownerKey,
        UpdateExpression: 'SET #hash = :new',
        ConditionExpression: '#hash = :old',
        ExpressionAttributeNames: { '#hash': hashAttribute },
        ExpressionAttributeValues: { ':new': newHash, ':old': oldHash },
      },
    },
    { Delete: { TableName: ctx.tableName, Key: tokenKey(oldHash) } },
    tokenPut(ctx, newHash, owner),
  ]);
  return outcome.written;
}

export function rotateOperatorToken(ctx: DynamoContext, record: OperatorRecord, newHash: string): Promise<boolean> {
  const { siteId, id: operatorId } = record.operator;
  return replaceToken(ctx, operatorKey(siteId, operatorId), 'tokenHash', record.tokenHash, newHash, {
    role: 'operator',
    siteId,
    operatorId,
  });
}

export function rotateAdminToken(ctx: DynamoContext, site: SiteRecord, newHash: string): Promise<boolean> {
  const { siteId } = site.settings;
  return replaceToken(ctx, settingsKey(siteId), 'adminTokenHash', site.adminTokenHash, newHash, { role: 'admin', siteId });
}
