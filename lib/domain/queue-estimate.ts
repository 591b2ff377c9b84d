/**
 * The estimated wait of a waiting chat: every close of an assigned chat frees a slot that the
 * queue's oldest chat takes, so the site's recent rate of closes is the rate the queue moves at.
 *
 *   estimatedWaitSeconds = ceil(position × window / closes in the window)
 *
 * where the window runs from the start of the previous UTC hour to now (one to two hours), and
 * null when no chat closed in it (nothing to go by).
 */
export const HOUR_MS = 3_600_000;

export function estimateWaitSeconds(position: number, closesInWindow: number, nowMs: number): number | null {
  if (closesInWindow <= 0) return null;
  const windowSeconds = (nowMs - (Math.floor(nowMs / HOUR_MS) - 1) * HOUR_MS) / 1000;
  return Math.ceil((position * windowSeconds) / closesInWindow);
}
