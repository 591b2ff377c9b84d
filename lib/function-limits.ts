/**
 * Each function's timeout and memory, in one place: the CDK stack deploys them and the local
 * stack runs each handler under the same (its context's remaining time counts down from the
 * same timeout), so a handler too slow for AWS is too slow locally as well.
 */
export interface FunctionLimits {
  timeoutSeconds: number;
  memoryMb: number;
}

export const DEFAULT_LIMITS: FunctionLimits = { timeoutSeconds: 10, memoryMb: 512 };

/** Functions that need more than the default: batches of stream records or queue messages, and the minute repair. */
const LONGER: Record<string, Partial<FunctionLimits>> = {
  // A batch holds up to 100 records of several sites, one dispatch pass per site.
  'dispatch-waiting-chats': { timeoutSeconds: 30 },
  // Every site with waiting chats, one after another; a run may overlap the next (it is safe to).
  'repair-waiting-chats': { timeoutSeconds: 60 },
  // A batch of deadlines, each a fallback and a dispatch pass of its site; the queue's visibility timeout follows it.
  'handle-chat-deadlines': { timeoutSeconds: 30 },
  // A batch of 10 deliveries side by side, each up to 5 s, and their records.
  'send-webhooks': { timeoutSeconds: 30 },
  'publish-webhook-events': { timeoutSeconds: 30 },
  'push-live-events': { timeoutSeconds: 30 },
};

export const limitsOf = (functionName: string): FunctionLimits => ({ ...DEFAULT_LIMITS, ...LONGER[functionName] });
