import * as z from 'zod';
import { identifier } from '../domain/schemas.js';

/**
 * A moment the service must act at, delivered as a message that becomes visible then (in AWS an
 * SQS message with DelaySeconds; locally a timer in the process, see in-process-queue.ts):
 * - group-fallback: a group chat still waiting may now go to any operator of the site;
 * - answer-timeout: an assigned chat its operator has not accepted is taken back, if it is still
 *   at that assignment (the operator and the moment it got the chat say which);
 * - live-auth: a live-push connection that has not authenticated by now is closed;
 * - heartbeat-timeout: the site's heartbeat timeout changed: the next page of its operators
 *   (after `afterOperatorId`) gets it (a settings update does the first page itself);
 * - liveness-check: an operator online or away is set offline if its heartbeat is stale by now,
 *   else checked again when it would be (store/dynamo/liveness.ts).
 */
const dueAtMs = z.number().int().nonnegative();
export const deadlineSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('group-fallback'), siteId: identifier, chatId: identifier, dueAtMs }),
  z.strictObject({ kind: z.literal('answer-timeout'), siteId: identifier, chatId: identifier, operatorId: identifier, assignedAt: z.iso.datetime(), dueAtMs }),
  z.strictObject({ kind: z.literal('live-auth'), connectionId: z.string().min(1).max(128), dueAtMs }),
  z.strictObject({ kind: z.literal('heartbeat-timeout'), siteId: identifier, afterOperatorId: identifier, dueAtMs }),
  z.strictObject({ kind: z.literal('liveness-check'), siteId: identifier, operatorId: identifier, dueAtMs }),
]);
export type Deadline = z.infer<typeof deadlineSchema>;

/** Where deadlines are sent; each is delivered once its moment has come (at least once: handlers must be idempotent). */
export interface DeadlineQueue {
  schedule(deadline: Deadline, nowMs: number): Promise<void>;
}

/** SQS delays a message by at most 15 minutes: a later deadline is sent again when it arrives (see the handler). */
export const MAX_DELAY_SECONDS = 900;

/** Whole seconds from now to the deadline, never early, at most MAX_DELAY_SECONDS. */
export const delaySecondsUntil = (dueAtMs: number, nowMs: number) =>
  Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((dueAtMs - nowMs) / 1000)));
