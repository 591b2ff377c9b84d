import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Principal } from '../../domain/auth.js';
import { tokenKey } from '../keys.js';
import { CAPACITY, type DynamoContext } from './context.js';

/** The token item, by the token's hash: written in the same transaction as its owner. */
export function tokenPut(ctx: DynamoContext, tokenHash: string, owner: Exclude<Principal, { role: 'platform' }>) {
  return {
    Put: {
      TableName: ctx.tableName,
      Item: { ...tokenKey(tokenHash), type: 'token', ...owner },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export async function findTokenOwner(ctx: DynamoContext, tokenHash: string): Promise<Principal | null> {
  const { Item } = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: tokenKey(tokenHash), ConsistentRead: true, ...CAPACITY }),
  );
  if (Item?.role === 'admin') return { role: 'admin', siteId: Item.siteId as string };
  if (Item?.role === 'operator') {
    return { role: 'operator', siteId: Item.siteId as string, operatorId: Item.operatorId as string };
  }
  return null;
}
