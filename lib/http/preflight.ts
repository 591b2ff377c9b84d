import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { ERRORS } from '../domain/errors.js';
import { runtime } from '../runtime.js';
import type { ApiEvent } from './api-event.js';
import { errorEnvelope } from './middleware/error-envelope.js';
import { siteCors } from './middleware/site-cors.js';

/** Answers the browser's CORS preflight for the widget routes, by the site's allowedOrigins. */
export function preflightHandler() {
  return middy<ApiEvent, APIGatewayProxyResultV2>()
    .use(errorEnvelope())
    .use(httpHeaderNormalizer())
    .use(siteCors(runtime))
    .use(httpErrorHandler({ logger: false, fallbackMessage: ERRORS.internal_error.message }))
    .handler(async () => ({
      statusCode: 204,
      headers: {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'content-type, idempotency-key, authorization',
        'Access-Control-Max-Age': '600',
      },
    }));
}
