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

const config = new IdempotencyConfig({
  eventKeyJmesPath: '[scope, key]',
  payloadValidationJmesPath: 'payload',
  expiresAfterSeconds: 3600,
});

const onceFunctions = new Map<string, (request: OnceRequest & { run: () => Promise<string> }) => Promise<StoredResult>>();

/** How long a repeat waits for the first request with its key to finish. */
const IN_PROGRESS_WAIT_ATTEMPTS = 40;

/**
 * Runs `run` once per (scope, key) for an hour (Powertools Idempotency on its own table, under
 * `keyPrefix`): a repeat gets the first result as JSON text, byte for byte, and runs nothing; a
 * concurrent repeat waits for the first to finish; another payload under the same key is 422.
 * A refused request (it threw) is not remembered.
 */
export async function once(rt: Runtime, context: Context, keyPrefix: string, request: OnceRequest, run: () => Promise<string>): Promise<string> {
  config.registerLambdaContext(context);
  let idempotent = onceFunctions.get(keyPrefix);
  if (!idempotent) {
    idempotent = makeIdempotent(async (input: OnceRequest & { run: () => Promise<string> }) => ({ body: await input.run() }), {
      persistenceStore: rt.idempotencyStore,
      config,
      keyPrefix,
    });
    onceFunctions.set(keyPrefix, idempotent);
  }
  for (let attempt = 0; attempt < IN_PROGRESS_WAIT_ATTEMPTS; attempt += 1) {
    try {
      return (await idempotent({ ...request, run })).body;
    } catch (error) {
      if (error instanceof IdempotencyValidationError) throw idempotencyKeyReused();
      if (error instanceof IdempotencyPersistenceLayerError && isUnavailable(error.cause)) throw asUnavailable(error.cause);
      if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * (attempt + 1), 250)));
    }
  }
  throw serviceUnavailable('A request with this Idempotency-Key is still being processed; try again.');
}
