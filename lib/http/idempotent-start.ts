import type { Context } from 'aws-lambda';
import type { StartChatInput } from '../domain/schemas.js';
import { startChat, type StartChatResult } from '../engine/start-chat.js';
import type { Runtime } from '../runtime.js';
import { once } from './idempotent.js';
import { sealToken, unsealToken } from './sealed-token.js';

/**
 * Starts a chat once per (site, Idempotency-Key): a repeat gets the first result and assigns
 * nothing; a concurrent repeat waits for the first to finish; another body under the same key
 * is refused with 422. The chat token is stored sealed with the key.
 */
async function idempotentStartChat(rt: Runtime, siteId: string, key: string, request: StartChatInput, context: Context) {
  const body = await once(rt, context, 'start-chat', { scope: [siteId], key, payload: request }, async () => {
    const { chatToken, ...rest } = await startChat(rt.deps, siteId, { ...request, clientType: request.clientType ?? 'regular' });
    return JSON.stringify({ ...rest, sealedChatToken: sealToken(chatToken, siteId, key) });
  });
  const { sealedChatToken, ...result } = JSON.parse(body) as Omit<StartChatResult, 'chatToken'> & { sealedChatToken: string };
  return { ...result, chatToken: unsealToken(sealedChatToken, siteId, key) };
}

/** A chat start, idempotent when the request carries an Idempotency-Key. */
export function startChatOnce(
  rt: Runtime,
  siteId: string,
  request: StartChatInput,
  key: string | undefined,
  context: Context,
): Promise<StartChatResult> {
  // The same request with clientType left out or given as "regular" is the same request.
  const normalized = { ...request, clientType: request.clientType ?? 'regular' };
  return key ? idempotentStartChat(rt, siteId, key, normalized, context) : startChat(rt.deps, siteId, normalized);
}
