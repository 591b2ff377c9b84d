import type { MiddlewareObj } from '@middy/core';
import { DomainError, ERRORS, type ErrorCode } from '../../domain/errors.js';

/** The contract's error body, `{"error": {code, message}}`, as JSON text: the one place it is written. */
export function errorBody(code: ErrorCode, message: string = ERRORS[code].message): string {
  return JSON.stringify({ error: { code, message } });
}

interface HttpResult {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  body?: string;
}

/**
 * Renders every error reply as the contract's JSON envelope. Register it early in the chain
 * (middy runs `onError` handlers in the reverse order of `use`), so that it runs after
 * `httpErrorHandler` (registered last) has turned the error into a response with its status
 * and headers, and after the CORS and security-header middlewares have added theirs. A
 * DomainError shows its code and sentence; anything else (which httpErrorHandler has already
 * replaced with its bare 500) is `internal_error` with the catalogue's sentence, never a detail.
 */
export function errorEnvelope(): MiddlewareObj {
  return {
    onError: (request) => {
      const response = request.response as HttpResult | undefined;
      if (response === undefined) return; // nothing answered: middy rethrows, Lambda reports it
      const error = request.error;
      const known = error instanceof DomainError ? error : undefined;
      request.response = {
        ...response,
        statusCode: known?.statusCode ?? ERRORS.internal_error.status,
        headers: { ...response.headers, 'Content-Type': 'application/json' },
        body: known ? errorBody(known.code, known.message) : errorBody('internal_error'),
      };
    },
  };
}
