import type { Operator, Settings } from './model.js';

/**
 * The heartbeat of an operator read from an index copy, which does not hold heartbeats (they
 * would move every index on every beat): it reads as live. A stale operator not yet set offline
 * may so be tried; its claim's condition, on the operator itself, refuses it.
 */
export const COPY_HEARTBEAT = Number.MAX_SAFE_INTEGER;

/**
 * How long an operator whose heartbeat went stale stays online (never given a chat) before it is
 * set offline: a heartbeat that comes back meanwhile makes it available again at once, as the
 * contract's minute-by-minute job allowed (on average half a minute). Its liveness check then
 * sets it offline (store/dynamo/liveness.ts).
 */
export const STALE_GRACE_MS = 30_000;

/** Heartbeats at or before this instant are stale for the site. */
export function heartbeatCutoffMs(settings: Pick<Settings, 'heartbeatTimeoutSeconds'>, nowMs: number): number {
  return nowMs - settings.heartbeatTimeoutSeconds * 1000;
}

export function hasLiveHeartbeat(operator: Operator, settings: Settings, nowMs: number): boolean {
  return operator.heartbeatAtMs !== null && operator.heartbeatAtMs > heartbeatCutoffMs(settings, nowMs);
}

export function hasCapacity(operator: Pick<Operator, 'maxChats' | 'activeChats'>): boolean {
  return operator.maxChats === null || operator.activeChats < operator.maxChats;
}

/** Online, with a live heartbeat, and below its chat limit: only such an operator gets a chat. */
export function isAvailable(operator: Operator, settings: Settings, nowMs: number): boolean {
  return operator.status === 'online' && hasLiveHeartbeat(operator, settings, nowMs) && hasCapacity(operator);
}

/** Whether the operator belongs in the queue index (liveness is checked when reading it). */
export function belongsInQueue(operator: Pick<Operator, 'status' | 'maxChats' | 'activeChats'>): boolean {
  return operator.status === 'online' && hasCapacity(operator);
}
