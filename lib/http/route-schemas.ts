import * as z from 'zod';
import {
  chatPath,
  closeChatInput,
  createSiteInput,
  idempotencyKey,
  operatorInput,
  operatorPath,
  settingsPatch,
  sitePath,
  startChatInput,
  statsQuery,
  statusInput,
} from '../domain/schemas.js';
import type { RequestSchemas } from './middleware/validate.js';

/** What each route accepts: the handlers validate with these and the OpenAPI document shows them. */
export const ROUTE_SCHEMAS: Record<string, RequestSchemas> = {
  'get-health': {},
  'get-openapi': {},
  'get-me': {},
  'create-site': { body: createSiteInput },
  'get-settings': { path: sitePath },
  'update-settings': { path: sitePath, body: settingsPatch },
  'list-operators': { path: sitePath },
  'put-operator': { path: operatorPath, body: operatorInput },
  'delete-operator': { path: operatorPath },
  'upload-avatar': { path: sitePath },
  'get-stats': { path: sitePath, query: statsQuery },
  'set-operator-status': { path: operatorPath, body: statusInput },
  'record-heartbeat': { path: operatorPath },
  'list-operator-chats': { path: operatorPath },
  'get-widget': { path: sitePath },
  'start-chat': {
    path: sitePath,
    body: startChatInput,
    headers: z.looseObject({ 'idempotency-key': idempotencyKey.optional() }),
  },
  'close-chat': { path: chatPath, body: closeChatInput },
  'rotate-operator-token': { path: operatorPath },
  'rotate-admin-token': { path: sitePath },
};
