import type { MiddlewareObj } from '@middy/core';
import { invalidRequest, payloadTooLarge, unsupportedMediaType } from '../../domain/errors.js';
import type { ApiEvent } from '../api-event.js';
import type { Route } from '../route.js';

export const MAX_JSON_BODY_BYTES = 64 * 1024;

function bodyBytes(event: ApiEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/**
 * Reads the body: raw bytes for binary routes (size checked by the route), JSON otherwise:
 * at most 64 KB (413), declared as application/json (415), and well-formed (400). A route
 * that takes no body refuses one, so that a malformed request never counts as a heartbeat.
 */
export function requestBody(route: Pick<Route, 'binaryBody' | 'request'>, maxBinaryBytes: number): MiddlewareObj<ApiEvent> {
  const takesJson = route.request.body !== undefined;
  return {
    before: ({ event }) => {
      const bytes = bodyBytes(event);
      if (route.binaryBody) {
        if (bytes.length > maxBinaryBytes) throw payloadTooLarge(maxBinaryBytes);
        event.rawBody = bytes;
        return;
      }
      if (bytes.length === 0) return;
      if (!takesJson) throw invalidRequest('body: this route takes no body');
      if (bytes.length > MAX_JSON_BODY_BYTES) throw payloadTooLarge(MAX_JSON_BODY_BYTES);
      const contentType = event.headers['content-type'] ?? '';
      if (!/^application\/json\s*(;|$)/i.test(contentType)) throw unsupportedMediaType('application/json');
      try {
        event.jsonBody = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw invalidRequest('body: not valid JSON');
      }
    },
  };
}
