/**
 * A token: TOKEN#<sha256 of the token> / TOKEN, naming its owner. Admin and operator tokens are
 * written in the same transaction as their owner's record (which holds the hash too, as
 * adminTokenHash or tokenHash); the platform token's item only says that it is the platform's.
 */
import type { Principal } from '../../domain/auth.js';
import type { EntityDefinition, Item } from './attributes.js';

export const TOKEN_SK = 'TOKEN';
export const tokenKey = (tokenHash: string) => ({ pk: `TOKEN#${tokenHash}`, sk: TOKEN_SK });

export const TOKEN = { type: 'token', indexes: {} } as const satisfies EntityDefinition;

/** The token's item: its key, and role, siteId and operatorId as far as the owner has them. */
export function tokenItem(tokenHash: string, owner: Principal): Item {
  const item: Item = { ...tokenKey(tokenHash), type: TOKEN.type, role: owner.role };
  if (owner.role !== 'platform') item.siteId = owner.siteId;
  if (owner.role === 'operator') item.operatorId = owner.operatorId;
  return item;
}

export function tokenOwnerFromItem(item: Item | undefined): Principal | null {
  switch (item?.role) {
    case 'platform':
      return { role: 'platform' };
    case 'admin':
      return { role: 'admin', siteId: item.siteId as string };
    case 'operator':
      return { role: 'operator', siteId: item.siteId as string, operatorId: item.operatorId as string };
    default:
      return null;
  }
}
