import { logger } from '../http/logger.js';
import { untilWritten, type EngineDeps } from './deps.js';

/** Operators of one site changing status at once take turns on its count of slots. */
const MAX_ATTEMPTS = 50;

/**
 * Random mode's slot follows the operator's status (the store's `keepRandomSlot`): after every
 * status write, and before a delete (`leaving`).
 */
export function keepRandomSlot(deps: EngineDeps, siteId: string, operatorId: string, leaving = false) {
  return untilWritten(
    async () => {
      const change = await deps.store.keepRandomSlot(siteId, operatorId, leaving);
      return change === 'lost' ? undefined : change;
    },
    { maxAttempts: MAX_ATTEMPTS, random: deps.random },
  );
}

/**
 * After a status write: not kept (the store out of reach, or too many changes at once), the
 * status stands. The operator is then drawn only when random mode reads every operator, until its
 * next status change (or a pick that finds it offline) puts its slot right.
 */
export async function keepRandomSlotAfterStatus(deps: EngineDeps, siteId: string, operatorId: string) {
  await keepRandomSlot(deps, siteId, operatorId).catch((error: unknown) => logger.warn('random slot not kept', { siteId, operatorId, error }));
}
