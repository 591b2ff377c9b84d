/**
 * Live-push connections. A connection: LIVE#<connectionId> / CONN (what it watches once it has
 * authenticated). Its subscription, in its site's partition so that one Query finds every
 * connection a change of the site may concern: LIVEON#<siteId> / <watch>#<connectionId>, where
 * the watch is chat#<chatId> (a visitor) or operator#<operatorId>. Both expire (TTL) a little
 * after API Gateway's longest connection (2 hours), in case a disconnect was never seen.
 */
import type { Watch } from '../../live/protocol.js';
import type { SiteSubscription } from '../port.js';
import type { EntityDefinition, Item } from './attributes.js';

export const LIVE_CONNECTION = { type: 'live-connection', indexes: {} } as const satisfies EntityDefinition;
export const LIVE_SUBSCRIPTION = { type: 'live-subscription', indexes: {} } as const satisfies EntityDefinition;

export const LIVE_KEPT_SECONDS = 3 * 60 * 60;

export const connectionKey = (connectionId: string) => ({ pk: `LIVE#${connectionId}`, sk: 'CONN' });
export const liveSitePk = (siteId: string) => `LIVEON#${siteId}`;

export const watchKey = (watch: Watch) => (watch.kind === 'chat' ? `chat#${watch.chatId}` : `operator#${watch.operatorId}`);

export const subscriptionKey = (watch: Watch, connectionId: string) => ({ pk: liveSitePk(watch.siteId), sk: `${watchKey(watch)}#${connectionId}` });

export function connectionItem(connectionId: string, nowMs: number, expiresAt: number): Item {
  return { ...connectionKey(connectionId), type: LIVE_CONNECTION.type, connectionId, connectedAtMs: nowMs, expiresAt };
}

export function subscriptionItem(watch: Watch, connectionId: string, expiresAt: number): Item {
  return { ...subscriptionKey(watch, connectionId), type: LIVE_SUBSCRIPTION.type, connectionId, watch: watchKey(watch), expiresAt };
}


export const subscriptionFromItem = (item: Item): SiteSubscription => ({ connectionId: String(item.connectionId), watch: String(item.watch) });

/** What the connection item says it watches, to remove its subscription on disconnect. */
export function watchOfConnection(item: Item): Watch | null {
  if (typeof item.siteId !== 'string' || typeof item.watch !== 'string') return null;
  const [kind, id] = item.watch.split('#', 2) as [string, string];
  return kind === 'chat' ? { kind: 'chat', siteId: item.siteId, chatId: id } : { kind: 'operator', siteId: item.siteId, operatorId: id };
}
