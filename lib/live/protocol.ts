import * as z from 'zod';
import { identifier } from '../domain/schemas.js';

/** A frame larger than this is refused (the connection is told, then closed). */
export const MAX_FRAME_BYTES = 32 * 1024;
/** A connection that has not authenticated this long after it opened is closed. */
export const AUTH_TIMEOUT_MS = 10_000;
/** Where the socket is served, on the API's host locally. */
export const LIVE_PATH = '/v1/live';

/** What a client sends: its token in the first message (never in the URL), then pings if it likes. */
export const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), siteId: identifier, token: z.string().min(1).max(512), chatId: identifier.optional() }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

/** What the server sends besides events. */
export type ServerNotice =
  | { type: 'ready' }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string };

/** What a connection watches once authenticated: its visitor's chat, or an operator's chats and its site's queue. */
export type Watch = { kind: 'chat'; siteId: string; chatId: string } | { kind: 'operator'; siteId: string; operatorId: string };
