/**
 * A visitor's count of open chats: SITE#<siteId> / VISITOR#<visitorId>, with `openChats`, moved
 * by one in the transaction that opens or closes one of its chats (the claim holds it below the
 * site's maxOpenChatsPerVisitor). No item yet means no open chat. It has no domain record: the
 * count is only ever read by conditions.
 */
import type { EntityDefinition } from './attributes.js';
import { sitePk } from './site.js';

export const VISITOR_SK_PREFIX = 'VISITOR#';
export const visitorKey = (siteId: string, visitorId: string) => ({ pk: sitePk(siteId), sk: `${VISITOR_SK_PREFIX}${visitorId}` });

export const VISITOR = { type: 'visitor', indexes: {} } as const satisfies EntityDefinition;
