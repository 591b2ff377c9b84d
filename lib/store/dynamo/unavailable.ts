import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { serviceUnavailable } from '../../domain/errors.js';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'ThrottlingError',
  'InternalServerError',
  'ServiceUnavailable',
]);
const NETWORK = new Set(['TimeoutError', 'RequestTimeout', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/** True for errors that say "not now" rather than "wrong": throttling, DynamoDB faults, network faults. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: string };
  if (THROTTLING.has(error.name) || NETWORK.has(error.name) || (code && NETWORK.has(code))) return true;
  if (error.name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((reason) => THROTTLING.has(reason.Code ?? '') || reason.Code === 'ProvisionedThroughputExceeded');
  }
  return false;
}

/**
 * Turns errors that survived the SDK's own retries into a 503 with Retry-After. The original
 * is kept as `cause` for the logs; the reply carries nothing of it.
 */
export function translateUnavailable(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isUnavailable(error)) throw error;
        const unavailable = serviceUnavailable();
        (unavailable as { cause?: unknown }).cause = error;
        throw unavailable;
      }
    },
    { step: 'initialize', name: 'translateUnavailable', priority: 'high' },
  );
}
