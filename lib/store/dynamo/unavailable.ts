import { serviceUnavailable } from '../../domain/errors.js';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ProvisionedThroughputExceeded',
  'ThrottlingException',
  'ThrottlingError',
  'RequestLimitExceeded',
  'InternalServerError',
  // The generic AWS server fault (HTTP 500): DynamoDB Local answers it, rarely, under load.
  'InternalFailure',
  'ServiceUnavailable',
]);
const NETWORK = new Set(['TimeoutError', 'RequestTimeout', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/** True for errors that say "not now" rather than "wrong": throttling, DynamoDB faults, network faults. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: string };
  if (THROTTLING.has(error.name) || NETWORK.has(error.name) || (code !== undefined && NETWORK.has(code))) return true;
  if (error.name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((reason) => THROTTLING.has(reason.Code ?? ''));
  }
  return false;
}

/** A 503 with Retry-After for an error that survived the SDK's retries; the original stays as `cause`, for logs only. */
export function asUnavailable(error: unknown): unknown {
  if (!isUnavailable(error)) return error;
  const unavailable = serviceUnavailable();
  (unavailable as { cause?: unknown }).cause = error;
  return unavailable;
}

/** Wraps every method of a store so that "try later" errors leave it as 503 domain errors. */
export function translatingUnavailable<T extends object>(store: T): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(store)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (method as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        throw asUnavailable(error);
      }
    };
  }
  return wrapped as T;
}
