import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { idempotencyKeyReused, serviceUnavailable } from '../domain/errors.js';
import type { StartChatInput } from '../domain/schemas.js';
import { startChat, type StartChatResult } from '../engine/start-chat.js';
import type { Runtime } from '../runtime.js';
import { asUnavailable, isUnavailable } from '../store/dynamo/unavailable.js';
import { sealToken, unsealToken } from './sealed-token.js';

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

/** The stored result as JSON text (so repeats are byte-identical), its chat token sealed. */
interface StoredResult {
  body: string;
}

let idempotentStart: ((payload: IdempotentStart) => Promise<StoredResult>) | undefined;

function idempotentStarter(rt: Runtime) {
  idempotentStart ??= makeIdempotent(
    async (payload: IdempotentStart): Promise<StoredResult> => {
      const { chatToken, ...rest } = await startChat(rt.deps, payload.siteId, { ...payload.request, clientType: payload.request.clientType ?? 'regular' });
      return { body: JSON.stringify({ ...rest, sealedChatToken: sealToken(chatToken, payload.siteId, payload.key) }) };
    },
    { persistenceStore: rt.idempotencyStore, config: idempotencyConfig, keyPrefix: 'start-chat' },
  );
  return idempotentStart;
}

/** How long a repeat waits for the first request with its key to finish. */
const IN_PROGRESS_WAIT_ATTEMPTS = 40;

/**
 * Starts a chat once per (site, Idempotency-Key): a repeat gets the first result and assigns
 * nothing; a concurrent repeat waits for the first to finish; another body under the same key
 * is refused with 422.
 */
async function idempotentStartChat(rt: Runtime, siteId: string, key: string, request: StartChatInput, context: Context) {
  idempotencyConfig.registerLambdaContext(context);
  const start = idempotentStarter(rt);
  for (let attempt = 0; attempt < IN_PROGRESS_WAIT_ATTEMPTS; attempt += 1) {
    try {
      const stored = await start({ siteId, key, request });
      const { sealedChatToken, ...result } = JSON.parse(stored.body) as Omit<StartChatResult, 'chatToken'> & { sealedChatToken: string };
      return { ...result, chatToken: unsealToken(sealedChatToken, siteId, key) };
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
export function startChatOnce(
  rt: Runtime,
  siteId: string,
  request: StartChatInput,
  key: string | undefined,
  context: Context,
): Promise<StartChatResult> {
  // The same request with clientType left out or given as "regular" is the same request.
  const normalized = { ...request, clientType: request.clientType ?? 'regular' };
  return key ? idempotentStartChat(rt, siteId, key, normalized, context) : startChat(rt.deps, siteId, normalized);
}
