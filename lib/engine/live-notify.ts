import type { DynamoDBRecord } from 'aws-lambda';
import { chatEventsOf } from '../domain/chat-events.js';
import { publicMessage, type Chat } from '../domain/model.js';
import type { LivePush } from '../live/push.js';
import type { SiteSubscription } from '../store/port.js';
import { changeOfRecord } from '../webhooks/events-from-stream.js';
import type { EngineDeps } from './deps.js';
import { queuePlace } from './queue.js';

/** One message for the connections watching any of `watches`. */
interface Delivery {
  watches: string[];
  message: object;
}

interface SiteChanges {
  deliveries: Delivery[];
  /** A chat started or stopped waiting: the positions of the others moved. */
  queueMoved: boolean;
}

const chatWatch = (chatId: string) => `chat#${chatId}`;
const operatorWatch = (operatorId: string) => `operator#${operatorId}`;

/** The chat's visitor, its operator, and the operator it just left (taken back, transferred). */
function watchersOf(before: Chat | null, after: Chat): string[] {
  const watches = [chatWatch(after.id)];
  if (after.operatorId) watches.push(operatorWatch(after.operatorId));
  if (before?.operatorId && before.operatorId !== after.operatorId) watches.push(operatorWatch(before.operatorId));
  return watches;
}

/**
 * Pushes what a batch of the table's stream means to the sockets concerned: chat events to the
 * chat's visitor and operators, messages likewise, new queue positions to the visitors of the
 * chats still waiting, and the queue's length to the site's operators. One Query per site
 * finds its connections; a connection found gone is removed.
 */
export async function pushLiveEvents(deps: EngineDeps, push: LivePush, records: readonly DynamoDBRecord[]): Promise<number> {
  const bySite = new Map<string, SiteChanges>();
  const changesOf = (siteId: string) => {
    let changes = bySite.get(siteId);
    if (!changes) bySite.set(siteId, (changes = { deliveries: [], queueMoved: false }));
    return changes;
  };
  for (const record of records) {
    const change = changeOfRecord(record);
    if (!change) continue;
    if (change.kind === 'message') {
      const { message } = change;
      const chat = (await deps.store.getChat(message.siteId, message.chatId))?.chat;
      if (!chat) continue;
      changesOf(message.siteId).deliveries.push({
        watches: watchersOf(null, chat),
        message: { type: 'message.created', chat, message: publicMessage(message) },
      });
      continue;
    }
    const { before, after } = change;
    const changes = changesOf(after.siteId);
    for (const type of chatEventsOf(before, after)) changes.deliveries.push({ watches: watchersOf(before, after), message: { type, chat: after } });
    if (before?.status === 'waiting' || after.status === 'waiting') changes.queueMoved = changes.queueMoved || before?.status !== after.status;
  }
  let sent = 0;
  for (const [siteId, changes] of bySite) sent += await pushToSite(deps, push, siteId, changes);
  return sent;
}

async function pushToSite(deps: EngineDeps, push: LivePush, siteId: string, changes: SiteChanges): Promise<number> {
  const subscriptions = await deps.store.siteSubscriptions(siteId);
  if (subscriptions.length === 0) return 0;
  const byWatch = new Map<string, string[]>();
  for (const { watch, connectionId } of subscriptions) byWatch.set(watch, [...(byWatch.get(watch) ?? []), connectionId]);
  const gone = new Set<string>();
  let sent = 0;
  const send = async (connectionIds: readonly string[], message: object) => {
    for (const connectionId of connectionIds) {
      if (gone.has(connectionId)) continue;
      if (await push.send(connectionId, message)) sent += 1;
      else gone.add(connectionId);
    }
  };
  for (const { watches, message } of changes.deliveries) {
    await send([...new Set(watches.flatMap((watch) => byWatch.get(watch) ?? []))], message);
  }
  if (changes.queueMoved) await pushQueue(deps, siteId, subscriptions, byWatch, send);
  for (const connectionId of gone) await deps.store.closeConnection(connectionId);
  return sent;
}

async function pushQueue(
  deps: EngineDeps,
  siteId: string,
  subscriptions: readonly SiteSubscription[],
  byWatch: Map<string, string[]>,
  send: (connectionIds: readonly string[], message: object) => Promise<void>,
) {
  const waiting = await deps.store.listWaiting(siteId);
  const operators = [...new Set(subscriptions.filter((s) => s.watch.startsWith('operator#')).map((s) => s.connectionId))];
  await send(operators, { type: 'queue.length', waiting: waiting.length });
  for (const entry of waiting) {
    const listeners = byWatch.get(chatWatch(entry.chatId));
    if (!listeners) continue;
    const record = await deps.store.getChat(siteId, entry.chatId);
    if (record?.chat.status !== 'waiting') continue;
    await send(listeners, { type: 'queue.position', chat: record.chat, queue: await queuePlace(deps, siteId, entry.chatId) });
  }
}
