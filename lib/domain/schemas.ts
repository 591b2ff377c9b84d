import * as z from 'zod';
import { CLIENT_TYPES, DISTRIBUTION_MODES, OPERATOR_STATUSES } from './model.js';

export const identifier = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

const name = z.string().min(1).max(100);

/** Absolute http(s) URL or a path starting with a single `/`. */
export const avatarUrl = z
  .string()
  .max(2048)
  .refine(
    (value) => (value.startsWith('/') && !value.startsWith('//')) || /^https?:\/\/[^\s]+$/i.test(value),
    'must be an absolute http(s) URL or a path starting with /',
  );

const origin = z
  .string()
  .max(255)
  .regex(/^https?:\/\/[^/\s]+$/i, 'must be an origin such as https://example.com');

export const createSiteInput = z.strictObject({
  name,
  allowedOrigins: z.array(origin).max(50).optional(),
});
export type CreateSiteInput = z.infer<typeof createSiteInput>;

export const settingsPatch = z.strictObject({
  name: name.optional(),
  allowedOrigins: z.array(origin).max(50).optional(),
  distribution: z.enum(DISTRIBUTION_MODES).optional(),
  defaultOperators: z
    .strictObject({
      regular: identifier.nullable().optional(),
      target: identifier.nullable().optional(),
    })
    .optional(),
  allowVisitorChoice: z.boolean().optional(),
  sharedAvatarUrl: avatarUrl.nullable().optional(),
  heartbeatTimeoutSeconds: z.number().int().min(5).max(3600).optional(),
});
export type SettingsPatch = z.infer<typeof settingsPatch>;

export const operatorInput = z.strictObject({
  name,
  avatarUrl: avatarUrl.nullable().optional(),
  maxChats: z.number().int().min(1).max(1000).nullable().optional(),
});
export type OperatorInput = z.infer<typeof operatorInput>;

export const statusInput = z.strictObject({
  status: z.enum(OPERATOR_STATUSES),
});

export const startChatInput = z.strictObject({
  visitorId: identifier,
  clientType: z.enum(CLIENT_TYPES).optional(),
  operatorId: identifier.optional(),
});
export type StartChatInput = z.infer<typeof startChatInput>;

export const sitePath = z.strictObject({ siteId: identifier });
export const operatorPath = z.strictObject({ siteId: identifier, operatorId: identifier });
export const chatPath = z.strictObject({ siteId: identifier, chatId: identifier });

const DAY_MS = 24 * 60 * 60 * 1000;
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const periodStart = instant.transform((value) => new Date(value));
/** A plain date as the end of a period means the whole of that day (UTC). */
const periodEnd = instant.transform((value) =>
  value.length === 10 ? new Date(Date.parse(value) + DAY_MS - 1) : new Date(value),
);

export const statsQuery = z
  .strictObject({ from: periodStart.optional(), to: periodEnd.optional() })
  .refine((period) => !period.from || !period.to || period.from <= period.to, {
    message: 'from must not be after to',
    path: ['from'],
  });

export const closeChatInput = z.strictObject({ chatToken: z.string().min(1).max(200).optional() }).optional();

/** Idempotency-Key: what clients usually send (a UUID or similar), printable ASCII. */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters');
