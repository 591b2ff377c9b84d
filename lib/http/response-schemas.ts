import * as z from 'zod';
import { CLIENT_TYPES, DISTRIBUTION_MODES, OPERATOR_STATUSES } from '../domain/model.js';

/** The objects of the contract, as replies carry them: documented in OpenAPI and checked by the tests. */
const isoTime = z.iso.datetime();
const nullableId = z.string().nullable();

export const settingsObject = z.strictObject({
  siteId: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  distribution: z.enum(DISTRIBUTION_MODES),
  defaultOperators: z.strictObject({ regular: nullableId, target: nullableId }),
  allowVisitorChoice: z.boolean(),
  sharedAvatarUrl: z.string().nullable(),
  heartbeatTimeoutSeconds: z.number().int(),
  maxOpenChatsPerVisitor: z.number().int().nullable(),
});

export const operatorObject = z.strictObject({
  id: z.string(),
  name: z.string(),
  avatarUrl: z.string().nullable(),
  status: z.enum(OPERATOR_STATUSES),
  maxChats: z.number().int().nullable(),
  activeChats: z.number().int(),
  lastAssignedAt: isoTime.nullable(),
  lastHeartbeatAt: isoTime.nullable(),
  assigned: z.number().int(),
});

export const chatObject = z.strictObject({
  id: z.string(),
  siteId: z.string(),
  visitorId: z.string(),
  clientType: z.enum(CLIENT_TYPES),
  status: z.enum(['assigned', 'unassigned', 'closed']),
  operatorId: nullableId,
  assignedBy: z.enum(['queue', 'random', 'default', 'visitor']).nullable(),
  createdAt: isoTime,
  closedAt: isoTime.nullable(),
});

export const errorObject = z.strictObject({
  error: z.strictObject({ code: z.string().regex(/^[a-z_]+$/), message: z.string().min(1) }),
});

const widgetOperator = z.strictObject({
  id: z.string(),
  name: z.string(),
  avatarUrl: z.string().nullable(),
  status: z.enum(['online', 'away']),
});

const methodCounts = z.strictObject({
  queue: z.number().int(),
  random: z.number().int(),
  default: z.number().int(),
  visitor: z.number().int(),
});

/** Success replies by route and status. */
export const RESPONSE_SCHEMAS: Record<string, Record<number, z.ZodType | null>> = {
  'get-health': { 200: z.strictObject({ ok: z.literal(true) }) },
  'get-openapi': { 200: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) },
  'get-me': {
    200: z.strictObject({
      role: z.enum(['platform', 'admin', 'operator']),
      siteId: z.string().optional(),
      operatorId: z.string().optional(),
      operator: operatorObject.optional(),
      heartbeatTimeoutSeconds: z.number().int().optional(),
    }),
  },
  'create-site': { 201: z.strictObject({ siteId: z.string(), adminToken: z.string() }) },
  'get-settings': { 200: settingsObject },
  'update-settings': { 200: settingsObject },
  'list-operators': { 200: z.strictObject({ operators: z.array(operatorObject) }) },
  'put-operator': {
    201: z.strictObject({ operator: operatorObject, operatorToken: z.string() }),
    200: z.strictObject({ operator: operatorObject }),
  },
  'delete-operator': { 204: null },
  'upload-avatar': { 200: z.strictObject({ sharedAvatarUrl: z.string() }) },
  'get-stats': {
    200: z.strictObject({
      operators: z.array(z.strictObject({ id: z.string(), assigned: z.number().int(), byMethod: methodCounts })),
      unassigned: z.number().int(),
    }),
  },
  'set-operator-status': { 200: z.strictObject({ operator: operatorObject }) },
  'record-heartbeat': { 204: null },
  'list-operator-chats': { 200: z.strictObject({ chats: z.array(chatObject) }) },
  'get-widget': {
    200: z.strictObject({
      allowVisitorChoice: z.boolean(),
      sharedAvatarUrl: z.string().nullable(),
      operators: z.array(widgetOperator),
    }),
  },
  'start-chat': {
    201: z.strictObject({
      chat: chatObject,
      chatToken: z.string(),
      operator: z.strictObject({ id: z.string(), name: z.string(), avatarUrl: z.string().nullable() }),
    }),
    202: z.strictObject({ chat: chatObject, chatToken: z.string() }),
  },
  'close-chat': { 200: z.strictObject({ chat: chatObject }) },
  'rotate-operator-token': { 200: z.strictObject({ operatorToken: z.string() }) },
  'rotate-admin-token': { 200: z.strictObject({ adminToken: z.string() }) },
};
