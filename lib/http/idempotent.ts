import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { idempotencyKeyReused, serviceUnavailable } from '../domain/errors.js';
import type { Runtime } from '../runtime.js';
import { asUnavailable, isUnavailable } from '../store/dynamo/unavailable.js';

/** One request made once per Idempotency-Key: `scope` says where the key applies (a site, a chat), `payload` what must match. */
export interface OnceRequest {
  scope: string[];
  key: string;
  payload: unknown;
}

/** The stored result as JSON text, so that repeats are byte-identical. */
interface StoredResult {
  body: string;
}

/**
 * What a run may do with the request's idempotency record: have it completed in its own
 * transaction (the chat start's claim), saving Powertools' UpdateItem after the run.
 */
export interface Completion {
  /**
   * The COMPLETED record with `body` as the reply, as a transaction item to commit with the
   * run's own writes (its condition fails when the request no longer holds the key); undefined
   * when there is none to write. A run whose transaction committed it returns `recorded(body)`.
   */
  recordWith(body: string): object | undefined;
}

/** A run's reply already stored with its own transaction (see Completion). */
export interface RecordedReply {
  recorded: string;
}

export const recorded = (body: string): RecordedReply => ({ recorded: body });

type Run = (completion: Completion) => Promise<string | RecordedReply>;

/** Thrown by a run whose transaction found the idempotency record taken over (it wrote nothing): the key is tried again. */
export class KeyTakenOver extends Error {
  constructor() {
    super('The idempotency record was taken over by a repeat of the request');
    this.name = 'KeyTakenOver';
  }
}

const config = new IdempotencyConfig({
  eventKeyJmesPath: '[scope, key]',
  payloadValidationJmesPath: 'payload',
  expiresAfterSeconds: 3600,
});

const onceFunctions = new Map<string, (request: OnceRequest & { run: Run }) => Promise<StoredResult>>();

const onceStores = new Map<string, Runtime['idempotencyStore']>();

/** How long a repeat waits for the first request with its key to finish. */
const IN_PROGRESS_WAIT_ATTEMPTS = 40;

/**
 * Runs `run` once per (scope, key) for an hour (Powertools Idempotency on its own table, under
 * `keyPrefix`): a repeat gets the first result as JSON text, byte for byte, and runs nothing; a
 * concurrent repeat waits for the first to finish; another payload under the same key is 422.
 * A refused request (it threw) is not remembered. `run` may have the record completed in its
 * own transaction (see Completion); otherwise Powertools completes it after the run.
 */
export async function once(rt: Pick<Runtime, 'idempotencyStore'>, context: Context, keyPrefix: string, request: OnceRequest, run: Run): Promise<string> {
  const store = rt.idempotencyStore;
  let idempotent = onceFunctions.get(keyPrefix);
  if (!idempotent || onceStores.get(keyPrefix) !== store) {
    idempotent = makeIdempotent(
      async (input: OnceRequest & { run: Run }) => {
        // `input` is the very object Powertools hashed and put the in-progress record for.
        const reply = await input.run({ recordWith: (body) => store.completedRecordWrite(input, { body }) });
        if (typeof reply === 'string') return { body: reply };
        const result = { body: reply.recorded };
        store.recordedInTransaction(result);
        return result;
      },
      { persistenceStore: store, config, keyPrefix },
    );
    onceFunctions.set(keyPrefix, idempotent);
    onceStores.set(keyPrefix, store);
  }
  for (let attempt = 0; attempt < IN_PROGRESS_WAIT_ATTEMPTS; attempt += 1) {
    try {
      // The config is shared: each attempt gives it this request's context (its remaining time).
      config.registerLambdaContext(context);
      return (await idempotent({ ...request, run })).body;
    } catch (error) {
      if (error instanceof IdempotencyValidationError) throw idempotencyKeyReused();
      if (error instanceof IdempotencyPersistenceLayerError && isUnavailable(error.cause)) throw asUnavailable(error.cause);
      if (!(error instanceof IdempotencyAlreadyInProgressError) && !(error instanceof KeyTakenOver)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * (attempt + 1), 250)));
    }
  }
  throw serviceUnavailable('A request with this Idempotency-Key is still being processed; try again.');
}
