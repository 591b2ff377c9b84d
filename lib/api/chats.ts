import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import type { Principal } from '../domain/auth.js';
import { DomainError, forbidden, serviceUnavailable, unauthorized } from '../domain/errors.js';
import { tokenMatches } from '../domain/ids.js';
import type { StartChatInput } from '../domain/schemas.js';
import { closeChat, requireChat } from '../engine/chats.js';
import { startChat } from '../engine/start-chat.js';
import { ok, type Reply } from '../http/api-event.js';
import type { Runtime } from '../runtime.js';
import { asUnavailable, isUnavailable } from '../store/dynamo/unavailable.js';
import { sealToken, unsealToken } from './sealed-token.js';

export async function startChatReply(rt: Runtime, siteId: string, input: StartChatInput): Promise<Reply> {
  const result = await startChat(rt.deps, siteId, { ...input, clientType: input.clientType ?? 'regular' });
  return result.operator ? { statusCode: 201, body: result } : { statusCode: 202, body: result };
}

export const idempotencyKeyReused = () =>
  new DomainError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');

interface IdempotentStart {
  siteId: string;
  key: string;
  request: StartChatInput;
}

const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: '[siteId, key]',
  payloadValidationJmesPath: 'request',
  expiresAfterSeconds: 3600,
});

/** The stored reply: the body as JSON text (so repeats are byte-identical), its chat token sealed. */
interface StoredReply {
  statusCode: number;
  body: string;
}

let idempotentStart: ((payload: IdempotentStart) => Promise<StoredReply>) | undefined;

function idempotentStarter(rt: Runtime) {
  idempotentStart ??= makeIdempotent(
    async (payload: IdempotentStart): Promise<StoredReply> => {
      const reply = await startChatReply(rt, payload.siteId, payload.request);
      const { chatToken, ...rest } = reply.body as { chatToken: string };
      const sealedChatToken = sealToken(chatToken, payload.siteId, payload.key);
      return { statusCode: reply.statusCode, body: JSON.stringify({ ...rest, sealedChatToken }) };
    },
    { persistenceStore: rt.idempotencyStore, config: idempotencyConfig, keyPrefix: 'start-chat' },
  );
  return idempotentStart;
}

/** How long a repeat waits for the first request with its key to finish. */
const IN_PROGRESS_WAIT_ATTEMPTS = 40;

/**
 * Starts a chat once per (site, Idempotency-Key): a repeat gets the first reply and assigns
 * nothing; a concurrent repeat waits for the first to finish; another body under the same key
 * is refused with 422.
 */
export async function idempotentStartChatReply(
  rt: Runtime,
  siteId: string,
  key: string,
  request: StartChatInput,
  context: Context,
): Promise<Reply> {
  idempotencyConfig.registerLambdaContext(context);
  const start = idempotentStarter(rt);
  for (let attempt = 0; attempt < IN_PROGRESS_WAIT_ATTEMPTS; attempt += 1) {
    try {
      const stored = await start({ siteId, key, request });
      const { sealedChatToken, ...body } = JSON.parse(stored.body) as { sealedChatToken: string };
      return { statusCode: stored.statusCode, body: { ...body, chatToken: unsealToken(sealedChatToken, siteId, key) } };
    } catch (error) {
      if (error instanceof IdempotencyValidationError) throw idempotencyKeyReused();
      if (error instanceof IdempotencyPersistenceLayerError && isUnavailable(error.cause)) throw asUnavailable(error.cause);
      if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * (attempt + 1), 250)));
    }
  }
  throw serviceUnavailable('A request with this Idempotency-Key is still being processed; try again.');
}

/** A chat start, idempotent when the request carries an Idempotency-Key. */
export function startChatRequestReply(
  rt: Runtime,
  siteId: string,
  request: StartChatInput,
  key: string | undefined,
  context: Context,
): Promise<Reply> {
  // The same request with clientType left out or given as "regular" is the same request.
  const normalized = { ...request, clientType: request.clientType ?? 'regular' };
  return key ? idempotentStartChatReply(rt, siteId, key, normalized, context) : startChatReply(rt, siteId, normalized);
}

/**
 * Closes the chat for one of its parties: its operator (bearer token) or the visitor (the
 * chatToken from the start reply). Closing a closed chat returns it unchanged.
 */
export async function closeChatReply(
  rt: Runtime,
  path: { siteId: string; chatId: string },
  principal: Principal | null | undefined,
  chatToken: string | undefined,
): Promise<Reply> {
  if (principal && (principal.role !== 'operator' || principal.siteId !== path.siteId)) throw forbidden();
  if (!principal && chatToken === undefined) throw unauthorized();
  const record = await requireChat(rt.deps, path.siteId, path.chatId);
  if (principal?.role === 'operator' && principal.operatorId !== record.chat.operatorId) {
    throw forbidden('This chat belongs to another operator.');
  }
  if (!principal && !tokenMatches(chatToken as string, record.tokenHash)) {
    throw forbidden('The chat token does not match this chat.');
  }
  return ok({ chat: await closeChat(rt.deps, record) });
}
