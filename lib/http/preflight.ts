import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { runtime } from '../runtime.js';
import type { ApiEvent } from './api-event.js';
import { siteCors } from './middleware/site-cors.js';

const INTERNAL_ERROR = JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } });

/** Answers the browser's CORS preflight for the widget routes, by the site's allowedOrigins. */
export function preflightHandler() {
  return middy<ApiEvent, APIGatewayProxyResultV2>()
    .use(httpHeaderNormalizer())
    .use(siteCors(runtime))
    .use(httpErrorHandler({ logger: false, fallbackMessage: INTERNAL_ERROR }))
    .handler(async () => ({
      statusCode: 204,
      headers: {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'content-type, idempotency-key, authorization',
        'Access-Control-Max-Age': '600',
      },
    }));
}
