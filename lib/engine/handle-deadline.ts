import type { Deadline } from '../deadlines/deadline.js';
import type { EngineDeps } from './deps.js';
import { fallBackToSite } from './fallback.js';
import { closeIfUnauthenticated } from './live.js';
import { takeBackUnanswered } from './reassign.js';
import { continueHeartbeatTimeout } from './heartbeat-timeout.js';
import { runLivenessCheck } from './liveness.js';

async function closeUnauthenticated(deps: EngineDeps, connectionId: string) {
  if (!deps.live) throw new Error('No live push configured');
  return { closed: await closeIfUnauthenticated(deps, deps.live, connectionId) };
}

/** Acts on a delivered deadline (each kind's handler is idempotent: deliveries are at least once). */
export function handleDeadline(deps: EngineDeps, deadline: Deadline): Promise<Record<string, unknown>> {
  switch (deadline.kind) {
    case 'group-fallback':
      return fallBackToSite(deps, deadline);
    case 'answer-timeout':
      return takeBackUnanswered(deps, deadline);
    case 'live-auth':
      return closeUnauthenticated(deps, deadline.connectionId);
    case 'heartbeat-timeout':
      return continueHeartbeatTimeout(deps, deadline);
    case 'liveness-check':
      return runLivenessCheck(deps, deadline).then((outcome) => ({ ...outcome }));
  }
}
