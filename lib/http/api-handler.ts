import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { MAX_AVATAR_BYTES } from '../domain/image.js';
import { runtime, type Runtime } from '../runtime.js';
import type { ApiEvent, Reply } from './api-event.js';
import { logger } from './logger.js';
import { accessLog } from './middleware/access-log.js';
import { authenticate } from './middleware/authenticate.js';
import { requestBody } from './middleware/request-body.js';
import { siteCors } from './middleware/site-cors.js';
import { validate } from './middleware/validate.js';
import { ROUTE_SCHEMAS } from './route-schemas.js';
import { findRoute } from './routes.js';

const INTERNAL_ERROR = JSON.stringify({
  error: { code: 'internal_error', message: 'Something went wrong on our side; try again later.' },
});

function logUnexpected(error: unknown) {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === undefined || status >= 500) logger.error('request failed', error as Error);
}

function toResult(reply: Reply): APIGatewayProxyResultV2 {
  if (reply.body === undefined) return { statusCode: reply.statusCode, headers: reply.headers ?? {} };
  return {
    statusCode: reply.statusCode,
    headers: { 'Content-Type': 'application/json', ...reply.headers },
    body: JSON.stringify(reply.body),
  };
}

/**
 * The middy chain every API handler shares: logging, header normalisation, security headers,
 * CORS for widget routes, authentication, body parsing, validation, and the error handler
 * registered last. The handler itself is one call into lib/.
 */
export function apiHandler<E extends ApiEvent = ApiEvent>(
  routeName: string,
  run: (event: E, rt: Runtime, context: Context) => Promise<Reply>,
) {
  const route = findRoute(routeName);
  const schemas = ROUTE_SCHEMAS[routeName] ?? {};
  const chain = middy<ApiEvent, APIGatewayProxyResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(accessLog(route))
    .use(httpHeaderNormalizer())
    // No reporting endpoint exists: left on, these send an empty Reporting-Endpoints (and Report-To) header.
    .use(httpSecurityHeaders({ reportingEndpoints: false, reportTo: false } as Parameters<typeof httpSecurityHeaders>[0]));
  if (route.widget) chain.use(siteCors(runtime));
  return chain
    .use(authenticate(route, runtime))
    .use(requestBody(route, schemas.body !== undefined, MAX_AVATAR_BYTES))
    .use(validate(schemas))
    // Its logger hook sees the original error, before a 5xx is replaced by the bare reply.
    .use(httpErrorHandler({ logger: logUnexpected, fallbackMessage: INTERNAL_ERROR }))
    .handler(async (event, context) => toResult(await run(event as E, runtime(), context)));
}

/** The {siteId, operatorId} of an operator route, once validated. */
export function operatorTarget(event: ApiEvent): { siteId: string; operatorId: string } {
  const { siteId, operatorId } = event.pathParameters as { siteId: string; operatorId: string };
  return { siteId, operatorId };
}
