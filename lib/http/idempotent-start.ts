import type { Context } from 'aws-lambda';
import type { StartChatInput } from '../domain/schemas.js';
import { ClaimAlsoFailed, startChat, type StartChatOptions, type StartChatResult } from '../engine/start-chat.js';
import type { Runtime } from '../runtime.js';
import { KeyTakenOver, once, recorded } from './idempotent.js';
import { sealToken, unsealToken } from './sealed-token.js';

/** What an idempotent chat start needs of the runtime. */
export type StartChatRuntime = Pick<Runtime, 'deps' | 'idempotencyStore'>;

/**
 * Starts a chat once per (site, Idempotency-Key): a repeat gets the first result and assigns
 * nothing; a concurrent repeat waits for the first to finish; another body under the same key
 * is refused with 422. The chat token is stored sealed with the key.
 *
 * An assignment completes the idempotency record in the claim's own transaction (three DynamoDB
 * requests in all: the in-progress record, the queue read, the claim); a chat that waits or is
 * recorded unassigned has it completed by Powertools after the start, as before.
 */
async function idempotentStartChat(
  rt: StartChatRuntime,
  siteId: string,
  key: string,
  request: StartChatInput,
  context: Context,
  check: OriginOptions,
) {
  const replyOf = ({ chatToken, ...rest }: StartChatResult) => JSON.stringify({ ...rest, sealedChatToken: sealToken(chatToken, siteId, key) });
  const body = await once(rt, context, 'start-chat', { scope: [siteId], key, payload: request }, async (completion) => {
    // The reply the last claim attempt would store: the result the start returns when that claim committed.
    let claimed: { result: StartChatResult; reply: string } | undefined;
    const result = await startChat(rt.deps, siteId, { ...request, clientType: request.clientType ?? 'regular' }, {
      ...check,
      alsoOnClaim: (assigned) => {
        const reply = replyOf(assigned);
        const write = completion.recordWith(reply);
        claimed = write ? { result: assigned, reply } : undefined;
        return write ? [write] : [];
      },
    }).catch((error: unknown) => {
      throw error instanceof ClaimAlsoFailed ? new KeyTakenOver() : error;
    });
    return claimed?.result === result ? recorded(claimed.reply) : replyOf(result);
  });
  const { sealedChatToken, ...result } = JSON.parse(body) as Omit<StartChatResult, 'chatToken'> & { sealedChatToken: string };
  return { ...result, chatToken: unsealToken(sealedChatToken, siteId, key) };
}

/** The Origin the start holds to the site's allowedOrigins, and who takes the settings it read (see StartChatOptions). */
export type OriginOptions = Pick<StartChatOptions, 'origin' | 'onSettings' | 'timeLeftMs'>;

/** Time kept for the reply after the last attempt (middy answers a timeout this long before the function's end, too). */
const ANSWER_MARGIN_MS = 500;

/**
 * A chat start, idempotent when the request carries an Idempotency-Key. A start refused for its
 * Origin writes nothing, and with a key is not remembered (a refusal never is); a repeat, which
 * runs no start, checks nothing here (its caller does).
 */
export function startChatOnce(
  rt: StartChatRuntime,
  siteId: string,
  request: StartChatInput,
  key: string | undefined,
  context: Context,
  check: OriginOptions = {},
): Promise<StartChatResult> {
  // The same request with clientType left out or given as "regular" is the same request.
  const normalized = { ...request, clientType: request.clientType ?? 'regular' };
  // Retries after lost races leave the function the time to answer (a 503 "contention" rather than a timeout).
  const options = { ...check, timeLeftMs: () => context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS };
  return key ? idempotentStartChat(rt, siteId, key, normalized, context, options) : startChat(rt.deps, siteId, normalized, options);
}
