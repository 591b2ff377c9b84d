import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { ERRORS } from '../domain/errors.js';
import { MAX_AVATAR_BYTES } from '../domain/image.js';
import { runtime } from '../runtime.js';
import type { ApiEvent } from './api-event.js';
import { logger } from './logger.js';
import { accessLog } from './middleware/access-log.js';
import { authenticate } from './middleware/authenticate.js';
import { errorEnvelope } from './middleware/error-envelope.js';
import { requestBody } from './middleware/request-body.js';
import { handlerOriginCheck, siteCors, siteCorsOnError } from './middleware/site-cors.js';
import { validate } from './middleware/validate.js';
import type { Route, RouteInput, RequestSchemas } from './route.js';

function logUnexpected(error: unknown) {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === undefined || status >= 500) logger.error('request failed', error as Error);
}

function toResult(reply: { statusCode: number; body?: unknown; headers?: Record<string, string> }): APIGatewayProxyResultV2 {
  if (reply.body === undefined) return { statusCode: reply.statusCode, headers: reply.headers ?? {} };
  return {
    statusCode: reply.statusCode,
    headers: { 'Content-Type': 'application/json', ...reply.headers },
    body: JSON.stringify(reply.body),
  };
}

/** The validated event as the route's input: `validate` has replaced each part with its parsed value. */
function routeInput(route: Route, event: ApiEvent, context: Context): RouteInput<RequestSchemas> {
  const rt = runtime();
  return {
    path: event.pathParameters,
    query: event.queryStringParameters,
    body: event.jsonBody,
    headers: event.headers,
    principal: event.principal ?? null,
    bearer: event.bearer,
    site: event.site,
    origin: route.widget && route.originCheckedByHandler ? handlerOriginCheck(event, rt.config.PUBLIC_ORIGIN) : undefined,
    rawBody: event.rawBody,
    context,
    rt,
  } as RouteInput<RequestSchemas>;
}

/** The Lambda handler of a route, with the route it serves (the stack and a test check they match). */
export type RouteHandler = ((event: ApiEvent, context: Context) => Promise<APIGatewayProxyResultV2>) & { readonly route: Route };

/**
 * The middy chain every route shares, around the route's one call into lib/: logging, the error
 * envelope (early, so that its onError writes the body after httpErrorHandler's), header
 * normalisation, security headers, CORS for widget routes, authentication, body parsing,
 * validation by the route's own schemas, and httpErrorHandler registered last (but for the
 * CORS check of errors on a route whose handler checks the Origin itself).
 */
export function lambdaHandler(route: Route): RouteHandler {
  const chain = middy<ApiEvent, APIGatewayProxyResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(accessLog(route))
    .use(errorEnvelope())
    .use(httpHeaderNormalizer())
    // No reporting endpoint exists: left on, these send an empty Reporting-Endpoints (and Report-To) header.
    .use(httpSecurityHeaders({ reportingEndpoints: false, reportTo: false } as Parameters<typeof httpSecurityHeaders>[0]));
  const checkedByHandler = Boolean(route.widget && route.originCheckedByHandler);
  if (route.widget) chain.use(siteCors(runtime, { checkedByHandler }));
  const handler = chain
    .use(authenticate(route, runtime))
    .use(requestBody(route, MAX_AVATAR_BYTES))
    .use(validate(route.request))
    // Registered last, so its onError runs first: it sets status and headers (the envelope writes
    // the body), and its logger hook sees the original error before a 5xx is replaced by a bare one.
    .use(httpErrorHandler({ logger: logUnexpected, fallbackMessage: ERRORS.internal_error.message }));
  // After httpErrorHandler, so that its onError runs first: an error before the handler's Origin check is held to the site's origins.
  if (checkedByHandler) handler.use(siteCorsOnError(runtime));
  handler.handler(async (event, context) => toResult(await route.handle(routeInput(route, event, context))));
  return Object.assign(handler as (event: ApiEvent, context: Context) => Promise<APIGatewayProxyResultV2>, { route });
}
