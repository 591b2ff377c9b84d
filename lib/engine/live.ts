import { DomainError, forbidden, unauthorized } from '../domain/errors.js';
import { chatIdOfToken, hashToken, tokenMatches } from '../domain/ids.js';
import { clientMessage, MAX_FRAME_BYTES, type ClientMessage, type ServerNotice, type Watch } from '../live/protocol.js';
import type { LivePush } from '../live/push.js';
import type { EngineDeps } from './deps.js';

const problem = (code: string, message: string): ServerNotice => ({ type: 'error', code, message });

/**
 * Who listens: an operator token of the site (its chats and the site's queue), or a visitor's
 * chat token (its chat). An unknown token is 401; the admin's, the platform's, or another site's
 * is 403.
 */
async function watchFor(deps: EngineDeps, auth: Extract<ClientMessage, { type: 'auth' }>): Promise<Watch> {
  const owner = await deps.store.findTokenOwner(hashToken(auth.token));
  if (owner) {
    if (owner.role !== 'operator') throw forbidden('Only an operator token or a chat token can listen for live updates.');
    if (owner.siteId !== auth.siteId) throw forbidden('This token belongs to another site.');
    return { kind: 'operator', siteId: owner.siteId, operatorId: owner.operatorId };
  }
  const chatId = auth.chatId ?? chatIdOfToken(auth.token);
  const record = chatId ? await deps.store.getChat(auth.siteId, chatId) : null;
  if (!record || !tokenMatches(auth.token, record.tokenHash)) throw unauthorized();
  return { kind: 'chat', siteId: auth.siteId, chatId: record.chat.id };
}

/** Parses a frame: the message, or what to answer (and whether to close after). */
function parseFrame(frame: string): ClientMessage | { notice: ServerNotice; close: boolean } {
  if (Buffer.byteLength(frame, 'utf8') > MAX_FRAME_BYTES) {
    return { notice: problem('frame_too_large', `A message may be at most ${MAX_FRAME_BYTES / 1024} KB.`), close: true };
  }
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { notice: problem('invalid_message', 'Messages are JSON objects.'), close: false };
  }
  const parsed = clientMessage.safeParse(json);
  if (parsed.success) return parsed.data;
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !['auth', 'ping'].includes(type)) {
    return { notice: problem('unknown_type', 'The message type must be "auth" or "ping".'), close: false };
  }
  const issue = parsed.error.issues[0]!;
  return { notice: problem('invalid_message', `${issue.path.join('.') || 'message'}: ${issue.message}`), close: false };
}

export const openLiveConnection = (deps: EngineDeps, connectionId: string) => deps.store.openConnection(connectionId, deps.clock());

export const closeLiveConnection = (deps: EngineDeps, connectionId: string) => deps.store.closeConnection(connectionId);

/**
 * A frame from a client: an auth (answered `ready`, or an error and a close), a ping (`pong`);
 * anything else gets an error and the connection stays open, except a frame over the size limit,
 * after which it is closed.
 */
export async function receiveLiveFrame(deps: EngineDeps, push: LivePush, connectionId: string, frame: string): Promise<void> {
  const message = parseFrame(frame);
  if ('notice' in message) {
    await push.send(connectionId, message.notice);
    if (message.close) await push.close(connectionId);
    return;
  }
  if (message.type === 'ping') {
    await push.send(connectionId, { type: 'pong' } satisfies ServerNotice);
    return;
  }
  let watch: Watch;
  try {
    watch = await watchFor(deps, message);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await push.send(connectionId, problem(error.code, error.message));
    await push.close(connectionId);
    return;
  }
  if (await deps.store.subscribe(connectionId, watch, deps.clock())) {
    await push.send(connectionId, { type: 'ready' } satisfies ServerNotice);
    return;
  }
  const current = await deps.store.connectionWatch(connectionId);
  await push.send(connectionId, current ? problem('already_authenticated', 'This connection has already authenticated.') : problem('gone', 'This connection is closed.'));
}

/** The auth deadline: a connection still unauthenticated is closed. */
export async function closeIfUnauthenticated(deps: EngineDeps, push: LivePush, connectionId: string): Promise<boolean> {
  if ((await deps.store.connectionWatch(connectionId)) !== null) return false;
  await push.send(connectionId, problem('auth_timeout', 'No auth message came within 10 seconds.'));
  await push.close(connectionId);
  await deps.store.closeConnection(connectionId);
  return true;
}
