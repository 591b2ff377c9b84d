/**
 * A visitor: SITE#<siteId> / VISITOR#<visitorId>, with
 * - openChats          its count of open chats, moved by one in the transaction that opens or
 *                      closes one of its chats (the claim holds it below the site's
 *                      maxOpenChatsPerVisitor); only ever read by conditions. No item: none.
 * - lastOperatorId,    the operator of its last assigned chat and when, written in the
 *   lastAssignedAt     transaction that assigns it: where a returning visitor goes back to
 * - expiresAt          TTL: a year after its last assignment (the longest returning window),
 *                      by which time no chat of it is open.
 */
import { TTL_SECONDS_AFTER_LAST_ASSIGNMENT } from '../../domain/model.js';
import type { EntityDefinition, Item } from './attributes.js';
import { sitePk } from './site.js';

export const VISITOR_SK_PREFIX = 'VISITOR#';
export const visitorKey = (siteId: string, visitorId: string) => ({ pk: sitePk(siteId), sk: `${VISITOR_SK_PREFIX}${visitorId}` });

export const VISITOR = { type: 'visitor', indexes: {} } as const satisfies EntityDefinition;

export interface VisitorAssignment {
  operatorId: string;
  nowMs: number;
}

/** The SET clause recording a visitor's last assignment (with its names and values). */
export function lastAssignmentUpdate({ operatorId, nowMs }: VisitorAssignment) {
  return {
    set: 'lastOperatorId = :lastOperatorId, lastAssignedAt = :lastAssignedAt, #expiresAt = :expiresAt',
    names: { '#expiresAt': 'expiresAt' },
    values: {
      ':lastOperatorId': operatorId,
      ':lastAssignedAt': new Date(nowMs).toISOString(),
      ':expiresAt': Math.floor(nowMs / 1000) + TTL_SECONDS_AFTER_LAST_ASSIGNMENT,
    },
  };
}

/** The visitor's last assignment, from its item. */
export function lastAssignmentFromItem(item: Item | undefined): { operatorId: string; assignedAt: string } | null {
  return typeof item?.lastOperatorId === 'string' && typeof item.lastAssignedAt === 'string'
    ? { operatorId: item.lastOperatorId, assignedAt: item.lastAssignedAt }
    : null;
}
