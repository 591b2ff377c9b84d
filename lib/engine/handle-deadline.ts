import type { Deadline } from '../deadlines/deadline.js';
import type { EngineDeps } from './deps.js';
import { fallBackToSite } from './fallback.js';
import { takeBackUnanswered } from './reassign.js';

/** Acts on a delivered deadline (each kind's handler is idempotent: deliveries are at least once). */
export function handleDeadline(deps: EngineDeps, deadline: Deadline): Promise<Record<string, unknown>> {
  switch (deadline.kind) {
    case 'group-fallback':
      return fallBackToSite(deps, deadline);
    case 'answer-timeout':
      return takeBackUnanswered(deps, deadline);
  }
}
