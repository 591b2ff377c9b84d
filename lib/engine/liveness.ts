import type { Deadline } from '../deadlines/deadline.js';
import { MIN_HEARTBEAT_TIMEOUT_SECONDS } from '../domain/model.js';
import { logger } from '../http/logger.js';
import { heartbeatCutoffMs, STALE_GRACE_MS } from '../domain/availability.js';
import type { Operator, OperatorStatus, Settings } from '../domain/model.js';
import type { LivenessCheck, OperatorRecord, SweepResult } from '../store/port.js';
import type { EngineDeps } from './deps.js';

/**
 * When a status write's first liveness check is due: after the shortest timeout a site may have,
 * so that it is never late whatever the site's; from there the checks follow the operator's own
 * stale time.
 */
export const firstCheckAt = (nowMs: number) => nowMs + MIN_HEARTBEAT_TIMEOUT_SECONDS * 1000;

/** Sends the check; not sent (the queue out of reach), the sweep acts on it within a minute of its moment. */
export async function sendLivenessCheck(deps: EngineDeps, check: LivenessCheck) {
  const deadline: Deadline = { kind: 'liveness-check', ...check };
  await deps.deadlines
    .schedule(deadline, deps.clock())
    .catch((error: unknown) => logger.warn('liveness check not sent; the sweep will act on it', { ...check, error }));
}

/**
 * Writes the operator's status (it counts as a heartbeat); online or away, it starts a new chain
 * of liveness checks (the one before no longer matches and ends). False when the operator changed
 * since it was read.
 */
export async function writeStatus(deps: EngineDeps, record: OperatorRecord, status: OperatorStatus, turn: number, nowMs = deps.clock()): Promise<boolean> {
  const checkAtMs = firstCheckAt(nowMs);
  if (!(await deps.store.setStatus(record, { status, turn, nowMs, checkAtMs }))) return false;
  const { siteId, id: operatorId } = record.operator;
  if (status !== 'offline') await sendLivenessCheck(deps, { siteId, operatorId, dueAtMs: checkAtMs });
  return true;
}

/**
 * An operator a lost claim showed online or away with a heartbeat stale past its grace is set
 * offline now, as its liveness check is about to: it leaves the queue index for every other
 * request too. (Within the grace it stays, never given a chat, so that a heartbeat may bring it back.)
 */
export async function retireIfStale(deps: EngineDeps, operator: Operator, settings: Settings, nowMs: number) {
  const cutoffMs = heartbeatCutoffMs(settings, nowMs) - STALE_GRACE_MS;
  if (operator.status === 'offline' || operator.heartbeatAtMs === null || operator.heartbeatAtMs > cutoffMs) return;
  await deps.store
    .setOfflineIfStale(operator, cutoffMs)
    .catch((error: unknown) => logger.warn('stale operator not set offline; its liveness check will', { operatorId: operator.id, error }));
}

/** A delivered check: offline when the heartbeat is stale, else the next check is sent. Idempotent. */
export async function runLivenessCheck(deps: EngineDeps, check: LivenessCheck) {
  const nowMs = deps.clock();
  // SQS holds a message 15 minutes at most: a later check is sent on.
  if (check.dueAtMs > nowMs) {
    await sendLivenessCheck(deps, check);
    return { kind: 'early' as const };
  }
  const outcome = await deps.store.checkLiveness(check, nowMs);
  if (outcome.kind === 'rearmed') await sendLivenessCheck(deps, { siteId: check.siteId, operatorId: check.operatorId, dueAtMs: outcome.dueAtMs });
  return outcome;
}

/**
 * The scheduled sweep: acts on every check whose moment has passed (its message lost, or not yet
 * delivered: acting twice is harmless). In the usual case it finds nothing, since each check
 * moved its operator's next one forward or set it offline.
 */
export async function sweepStaleOperators(deps: EngineDeps): Promise<SweepResult> {
  const { checks, itemsRead } = await deps.store.dueLivenessChecks(deps.clock());
  const result: SweepResult = { itemsRead, markedOffline: 0, rearmed: 0 };
  for (const check of checks) {
    const outcome = await runLivenessCheck(deps, check);
    if (outcome.kind === 'offline') result.markedOffline += 1;
    if (outcome.kind === 'rearmed') result.rearmed += 1;
  }
  return result;
}
