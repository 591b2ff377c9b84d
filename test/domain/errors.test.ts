import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as errors from '../../lib/domain/errors.js';
import { ContentionError, DomainError, ERRORS, type ErrorCode } from '../../lib/domain/errors.js';
import { errorEnvelope } from '../../lib/http/middleware/error-envelope.js';

const CODES = Object.keys(ERRORS) as ErrorCode[];
const CATALOGUE: Record<string, { status: number; message: string; headers?: Record<string, string> }> = ERRORS;

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Every exported factory, called with an argument where it takes one. */
const FACTORIES: [string, () => DomainError][] = Object.entries(errors)
  .filter(([name, value]) => typeof value === 'function' && /^[a-z]/.test(name))
  .map(([name, factory]) => [name, () => (factory as (arg?: unknown) => DomainError)(name === 'payloadTooLarge' ? 65_536 : 'a field: Too small')]);

describe('the error catalogue', () => {
  it('gives every code a 4xx or 5xx status and a sentence, and names codes in snake_case', () => {
    expect(CODES.length).toBeGreaterThan(15);
    for (const code of CODES) {
      const { status, message } = ERRORS[code];
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(message, code).toMatch(/^[A-Z].*[.!]$/);
    }
  });

  it('asks for a bearer token on 401 and says when to retry on 503', () => {
    for (const code of CODES) {
      const { status, headers = {} } = CATALOGUE[code]!;
      if (status === 401) expect(headers, code).toMatchObject({ 'WWW-Authenticate': 'Bearer' });
      if (status === 503) expect(headers, code).toMatchObject({ 'Retry-After': '1' });
    }
  });

  it('builds a DomainError from a code: status, headers and a plain sentence, no JSON', () => {
    for (const code of CODES) {
      const error = new DomainError(code);
      expect(error).toBeInstanceOf(Error);
      expect({ code: error.code, status: error.status, statusCode: error.statusCode, expose: error.expose }).toEqual({
        code,
        status: ERRORS[code].status,
        statusCode: ERRORS[code].status,
        expose: true,
      });
      expect(error.message).toBe(ERRORS[code].message);
      expect(parsesAsJson(error.message), error.message).toBe(false);
    }
  });

  it('lets a specific sentence and extra headers replace the defaults without changing the catalogue', () => {
    const error = new DomainError('method_not_allowed', 'Use GET on this path.', { Allow: 'GET' });
    expect([error.status, error.message, error.headers]).toEqual([405, 'Use GET on this path.', { Allow: 'GET' }]);
    const unauthorized = errors.unauthorized();
    unauthorized.headers.Extra = 'x';
    expect(errors.unauthorized().headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    expect(ERRORS.unauthorized.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });

  it('builds every factory error over the catalogue, with no JSON in its message', () => {
    expect(FACTORIES.map(([name]) => name)).toEqual(
      expect.arrayContaining(['invalidRequest', 'unauthorized', 'forbidden', 'siteNotFound', 'serviceUnavailable', 'payloadTooLarge']),
    );
    for (const [name, build] of FACTORIES) {
      const error = build();
      expect(error, name).toBeInstanceOf(DomainError);
      expect(CODES, name).toContain(error.code);
      expect(error.status, name).toBe(ERRORS[error.code].status);
      expect(error.message.length, name).toBeGreaterThan(0);
      expect(parsesAsJson(error.message), `${name}: ${error.message}`).toBe(false);
    }
  });

  it('keeps the messages callers and tests rely on', () => {
    expect(errors.invalidRequest('body.name: Too small').message).toBe('body.name: Too small');
    expect(errors.forbidden().message).toBe('This token may not do that.');
    expect(errors.forbidden('This token belongs to another site.').message).toBe('This token belongs to another site.');
    expect(errors.payloadTooLarge(64 * 1024).message).toBe('The body is larger than 64 KB.');
    expect(errors.unsupportedMediaType('application/json').message).toBe('The body must be application/json.');
    expect(errors.serviceUnavailable().headers).toEqual({ 'Retry-After': '1' });
  });

  it('makes ContentionError a 503 DomainError with Retry-After', () => {
    const error = new ContentionError();
    expect(error).toBeInstanceOf(DomainError);
    expect([error.name, error.code, error.status, error.headers]).toEqual(['ContentionError', 'contention', 503, { 'Retry-After': '1' }]);
  });
});

describe('the error envelope', () => {
  /** The order of the real chain: the envelope early, a header-adding middleware (like CORS), httpErrorHandler last. */
  const handlerThatThrows = (error: unknown) =>
    middy()
      .use(errorEnvelope())
      .use({
        onError: (request) => {
          if (!request.response) return;
          request.response.headers = { ...request.response.headers, 'Access-Control-Allow-Origin': 'https://shop.example' };
        },
      })
      .use(httpErrorHandler({ logger: false, fallbackMessage: ERRORS.internal_error.message }))
      .handler(async () => {
        throw error;
      });
  const call = (error: unknown) => handlerThatThrows(error)({}, {} as Context);

  it('renders a DomainError as {"error": {code, message}} with its status and headers', async () => {
    expect(await call(errors.unauthorized())).toEqual({
      statusCode: 401,
      headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer', 'Access-Control-Allow-Origin': 'https://shop.example' },
      body: '{"error":{"code":"unauthorized","message":"A valid bearer token is required."}}',
    });
    const busy = await call(new ContentionError());
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['Retry-After']).toBe('1');
    expect(JSON.parse(busy.body)).toEqual({ error: { code: 'contention', message: ERRORS.contention.message } });
  });

  it('answers anything else as a bare internal_error 500 that leaks nothing', async () => {
    const leaky = Object.assign(new Error('secret-table-name is gone'), { statusCode: 418, expose: true, code: 'ValidationException' });
    for (const error of [new Error('secret-table-name is gone'), leaky, 'a string']) {
      const reply = await call(error);
      expect(reply.statusCode).toBe(500);
      expect(reply.headers['Content-Type']).toBe('application/json');
      expect(reply.body).toBe(JSON.stringify({ error: { code: 'internal_error', message: ERRORS.internal_error.message } }));
    }
  });
});
