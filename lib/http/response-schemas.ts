import * as z from 'zod';
import { assignedBySchema, distributionModeSchema } from '../domain/distribution/schemas.js';
import { CHAT_STATUSES, CLIENT_TYPES, LANGUAGES, MESSAGE_AUTHORS, OPERATOR_STATUSES, WEBHOOK_DELIVERY_STATES } from '../domain/model.js';

/** The objects of the contract, as replies carry them: documented in OpenAPI and checked by the tests. */
const isoTime = z.iso.datetime();
const nullableId = z.string().nullable();

export const settingsObject = z.strictObject({
  siteId: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  distribution: distributionModeSchema,
  defaultOperators: z.strictObject({ regular: nullableId, target: nullableId }),
  allowVisitorChoice: z.boolean(),
  sharedAvatarUrl: z.string().nullable(),
  heartbeatTimeoutSeconds: z.number().int(),
  maxOpenChatsPerVisitor: z.number().int().nullable(),
  queueEnabled: z.boolean(),
  maxWaitingChats: z.number().int().nullable(),
  maxWaitSeconds: z.number().int(),
  returningVisitorDays: z.number().int().nullable(),
  retentionDays: z.number().int(),
  answerTimeoutSeconds: z.number().int().nullable(),
  awayAfterMisses: z.number().int().nullable(),
  language: z.enum(LANGUAGES),
  webhookUrl: z.string().nullable(),
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
  groups: z.array(z.string()),
  missed: z.number().int().min(0),
  missedInARow: z.number().int().min(0),
});

export const groupObject = z.strictObject({
  id: z.string(),
  name: z.string(),
  fallbackAfterSeconds: z.number().int().min(0).nullable(),
});

export const chatObject = z.strictObject({
  id: z.string(),
  siteId: z.string(),
  visitorId: z.string(),
  clientType: z.enum(CLIENT_TYPES),
  status: z.enum(CHAT_STATUSES),
  operatorId: nullableId,
  assignedBy: assignedBySchema.nullable(),
  createdAt: isoTime,
  closedAt: isoTime.nullable(),
  group: nullableId,
  assignedAt: isoTime.nullable(),
  acceptedAt: isoTime.nullable(),
  missedBy: z.array(z.string()),
  contact: z.strictObject({ name: z.string().nullable(), email: z.string().nullable() }),
});

export const messageObject = z.strictObject({
  id: z.string(),
  chatId: z.string(),
  from: z.enum(MESSAGE_AUTHORS),
  operatorId: nullableId,
  text: z.string(),
  createdAt: isoTime,
});

/** Where a waiting chat stands: 1 is next; the estimate is null when there is no history to go by. */
export const queuePlace = z.strictObject({
  position: z.number().int().min(1),
  estimatedWaitSeconds: z.number().int().min(0).nullable(),
});

export const errorObject = z.strictObject({
  error: z.strictObject({ code: z.string().regex(/^[a-z_]+$/), message: z.string().min(1) }),
});

export const webhookDeliveryObject = z.strictObject({
  eventId: z.string(),
  type: z.string(),
  occurredAt: isoTime,
  state: z.enum(WEBHOOK_DELIVERY_STATES),
  attempts: z.number().int().min(1),
  responseStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  lastAttemptAt: isoTime,
});
