import * as z from 'zod';
import { distributionModeSchema } from './distribution/schemas.js';
import { CLIENT_TYPES, LANGUAGES, MAX_HEARTBEAT_TIMEOUT_SECONDS, MAX_RETENTION_DAYS, MIN_HEARTBEAT_TIMEOUT_SECONDS, OPERATOR_STATUSES } from './model.js';

export const identifier = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

/** Text DynamoDB can store: well-formed UTF-16 (JSON lets a lone surrogate through, UTF-8 has none). */
const text = () => z.string().regex(/^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/, 'must be well-formed Unicode text');

const name = text().min(1).max(100);

/** Absolute http(s) URL or a path starting with a single `/`. */
export const avatarUrl = text()
  .max(2048)
  .refine(
    (value) => (value.startsWith('/') && !value.startsWith('//')) || /^https?:\/\/[^\s]+$/i.test(value),
    'must be an absolute http(s) URL or a path starting with /',
  );

const origin = z
  .string()
  .max(255)
  // Browsers send origins in ASCII (international names in punycode).
  .regex(/^https?:\/\/[!-.0-~]+$/i, 'must be an origin such as https://example.com');

export const createSiteInput = z.strictObject({
  name,
  allowedOrigins: z.array(origin).max(50).optional(),
});
export type CreateSiteInput = z.infer<typeof createSiteInput>;

/** The answer timeout's range: its deadline is one SQS message, delayed at most 15 minutes. */
export const MIN_ANSWER_TIMEOUT_SECONDS = 10;
export const MAX_ANSWER_TIMEOUT_SECONDS = 900;

export const settingsPatch = z.strictObject({
  name: name.optional(),
  allowedOrigins: z.array(origin).max(50).optional(),
  distribution: distributionModeSchema.optional(),
  defaultOperators: z
    .strictObject({
      regular: identifier.nullable().optional(),
      target: identifier.nullable().optional(),
    })
    .optional(),
  allowVisitorChoice: z.boolean().optional(),
  sharedAvatarUrl: avatarUrl.nullable().optional(),
  heartbeatTimeoutSeconds: z.number().int().min(MIN_HEARTBEAT_TIMEOUT_SECONDS).max(MAX_HEARTBEAT_TIMEOUT_SECONDS).optional(),
  maxOpenChatsPerVisitor: z.number().int().min(1).max(100).nullable().optional(),
  queueEnabled: z.boolean().optional(),
  maxWaitingChats: z.number().int().min(1).nullable().optional(),
  maxWaitSeconds: z.number().int().min(10).max(86_400).optional(),
  returningVisitorDays: z.number().int().min(1).max(365).nullable().optional(),
  answerTimeoutSeconds: z.number().int().min(MIN_ANSWER_TIMEOUT_SECONDS).max(MAX_ANSWER_TIMEOUT_SECONDS).nullable().optional(),
  awayAfterMisses: z.number().int().min(1).max(20).nullable().optional(),
  language: z.enum(LANGUAGES).optional(),
  // The scheme and the address are checked by the engine (lib/engine/webhooks.ts): they depend on where it runs and on DNS.
  webhookUrl: z.url().max(2048).nullable().optional(),
  retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).optional(),
});
export type SettingsPatch = z.infer<typeof settingsPatch>;

/** The most groups one operator may be in (each is a copy of the operator that its writes keep up to date). */
export const MAX_GROUPS_PER_OPERATOR = 20;

export const operatorInput = z.strictObject({
  name,
  avatarUrl: avatarUrl.nullable().optional(),
  maxChats: z.number().int().min(1).max(1000).nullable().optional(),
  groups: z
    .array(identifier)
    .max(MAX_GROUPS_PER_OPERATOR)
    .refine((ids) => new Set(ids).size === ids.length, 'must not name a group twice')
    .optional(),
});
export type OperatorInput = z.infer<typeof operatorInput>;

export const statusInput = z.strictObject({
  status: z.enum(OPERATOR_STATUSES),
});

/** A message's text: 1..4000 characters, kept and shown as text. */
export const MAX_MESSAGE_LENGTH = 4000;
export const messageText = text().min(1).max(MAX_MESSAGE_LENGTH);

export const contactInput = z.strictObject({
  name: text().min(1).max(100).optional(),
  email: z.email().max(254).optional(),
});

export const startChatInput = z.strictObject({
  visitorId: identifier,
  clientType: z.enum(CLIENT_TYPES).optional(),
  operatorId: identifier.optional(),
  group: identifier.optional(),
  /** The visitor's first message, written with the chat. */
  message: messageText.optional(),
  /** How to reach the visitor, when nobody takes the chat (a follow-up). */
  contact: contactInput.optional(),
});
export type StartChatInput = z.infer<typeof startChatInput>;

/** Where a chat is transferred: to one operator, or to a group (routed within it, or waiting for it). */
export const transferInput = z.union([z.strictObject({ operatorId: identifier }), z.strictObject({ group: identifier })], {
  error: 'must be {"operatorId": id} or {"group": id}',
});
export type TransferInput = z.infer<typeof transferInput>;

export const MAX_FALLBACK_SECONDS = 3600;

export const groupInput = z.strictObject({
  name,
  fallbackAfterSeconds: z.number().int().min(0).max(MAX_FALLBACK_SECONDS).nullable().optional(),
});
export type GroupInput = z.infer<typeof groupInput>;

export const sitePath = z.strictObject({ siteId: identifier });
export const groupPath = z.strictObject({ siteId: identifier, groupId: identifier });
export const operatorPath = z.strictObject({ siteId: identifier, operatorId: identifier });
export const chatPath = z.strictObject({ siteId: identifier, chatId: identifier });

export const DAY_MS = 24 * 60 * 60 * 1000;
/** The dates a period may name: from 1970 (chat ids encode time since the epoch) to the end of 9999. */
export const EARLIEST_DATE_MS = Date.UTC(1970, 0, 1);
export const LATEST_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** The longest period a report may cover. */
export const MAX_PERIOD_DAYS = 366;

const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO-8601 date or date-time' })
  .refine((value) => {
    const ms = Date.parse(value);
    return ms >= EARLIEST_DATE_MS && ms <= LATEST_DATE_MS;
  }, 'must be between 1970-01-01 and 9999-12-31 (UTC)');
const periodStart = instant.transform((value) => new Date(value));
/** A plain date as the end of a period means the whole of that day (UTC). */
const periodEnd = instant.transform((value) =>
  value.length === 10 ? new Date(Date.parse(value) + DAY_MS - 1) : new Date(value),
);

/** The period's length in days when both ends are given; an open end is checked against the clock by the engine. */
export const periodDays = (from: Date, to: Date) => (to.getTime() - from.getTime()) / DAY_MS;

/** Both ends, when both were given and valid (a refinement also runs after a field failed). */
const bothEnds = (period: { from?: unknown; to?: unknown }) =>
  period.from instanceof Date && period.to instanceof Date ? { from: period.from, to: period.to } : null;

export const statsQuery = z
  .strictObject({ from: periodStart.optional(), to: periodEnd.optional() })
  .refine((period) => {
    const ends = bothEnds(period);
    return !ends || ends.from <= ends.to;
  }, {
    message: 'from must not be after to',
    path: ['from'],
  })
  .refine((period) => {
    const ends = bothEnds(period);
    return !ends || periodDays(ends.from, ends.to) <= MAX_PERIOD_DAYS;
  }, {
    message: `the period may cover at most ${MAX_PERIOD_DAYS} days`,
    path: ['to'],
  });
export type StatsQuery = z.infer<typeof statsQuery>;

export const messageInput = z.strictObject({ text: messageText });

/** Messages read per page at most. */
export const MESSAGES_PAGE = 100;
export const messagesQuery = z.strictObject({ after: identifier.optional() }).optional();

/** The follow-up requests: the site's chats nobody took, newest first, a page at a time. */
export const FOLLOW_UPS_PAGE = 20;
export const chatsQuery = z.strictObject({ status: z.literal('unassigned').optional(), cursor: z.string().regex(/^[A-Za-z0-9_-]{1,2000}$/, 'must be a cursor this route gave').optional() });

export const closeChatInput = z.strictObject({ chatToken: text().min(1).max(200).optional() }).optional();

/** Idempotency-Key: what clients usually send (a UUID or similar), printable ASCII. */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters');
