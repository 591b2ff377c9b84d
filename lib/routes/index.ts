import { openApiDocument } from '../http/openapi.js';
import type { Endpoint, Route } from '../http/route.js';
import { acceptChatRoute } from './accept-chat.js';
import { closeChatRoute } from './close-chat.js';
import { createSiteRoute } from './create-site.js';
import { deleteGroupRoute } from './delete-group.js';
import { deleteOperatorRoute } from './delete-operator.js';
import { getChat } from './get-chat.js';
import { getHealth } from './get-health.js';
import { getMe } from './get-me.js';
import { getOpenapi } from './get-openapi.js';
import { getSettings } from './get-settings.js';
import { getStats } from './get-stats.js';
import { getWidget } from './get-widget.js';
import { listChatsRoute } from './list-chats.js';
import { listGroupsRoute } from './list-groups.js';
import { listMessagesRoute } from './list-messages.js';
import { listOperatorChats } from './list-operator-chats.js';
import { listOperatorsRoute } from './list-operators.js';
import { listQueueRoute } from './list-queue.js';
import { postMessageRoute } from './post-message.js';
import { putGroupRoute } from './put-group.js';
import { putOperator } from './put-operator.js';
import { recordHeartbeatRoute } from './record-heartbeat.js';
import { rotateAdminTokenRoute } from './rotate-admin-token.js';
import { rotateOperatorTokenRoute } from './rotate-operator-token.js';
import { setOperatorStatusRoute } from './set-operator-status.js';
import { startChatRoute } from './start-chat.js';
import { transferChatRoute } from './transfer-chat.js';
import { updateSettingsRoute } from './update-settings.js';
import { rotateWebhookSecretRoute } from './rotate-webhook-secret.js';
import { listWebhookDeliveriesRoute } from './list-webhook-deliveries.js';
import { uploadAvatar } from './upload-avatar.js';

/**
 * Every route of the API, one line each. The CDK stack (functions, routes, grants), the local
 * server, the OpenAPI document and the contract tests all read this list.
 */
export const ROUTES: readonly Route[] = [
  getHealth,
  getOpenapi,
  getMe,
  createSiteRoute,
  getSettings,
  updateSettingsRoute,
  rotateWebhookSecretRoute,
  listWebhookDeliveriesRoute,
  listOperatorsRoute,
  putOperator,
  deleteOperatorRoute,
  listGroupsRoute,
  putGroupRoute,
  deleteGroupRoute,
  uploadAvatar,
  getStats,
  setOperatorStatusRoute,
  recordHeartbeatRoute,
  listOperatorChats,
  getWidget,
  startChatRoute,
  closeChatRoute,
  acceptChatRoute,
  transferChatRoute,
  getChat,
  postMessageRoute,
  listMessagesRoute,
  listChatsRoute,
  listQueueRoute,
  rotateOperatorTokenRoute,
  rotateAdminTokenRoute,
];

export const openApi = () => openApiDocument(ROUTES);

/** CORS preflight answers (functions/answer-preflight.ts), one per widget path: they read the site for its origins. */
export const PREFLIGHTS: readonly Endpoint[] = [...new Set(ROUTES.filter((route) => route.widget).map((route) => route.path))].map(
  (path) => ({ name: 'answer-preflight', method: 'OPTIONS', path, role: 'visitor', widget: true, grants: { table: ['GetItem'] } }),
);

/** Everything the stack deploys behind the HTTP API and the local server serves. */
export const ENDPOINTS: readonly Endpoint[] = [...ROUTES, ...PREFLIGHTS];

export type { Endpoint, Route };

/** The route of that name; throws for a name that matches nothing. */
export function routeNamed(name: string): Route {
  const route = ROUTES.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`No route named ${name}`);
  return route;
}
