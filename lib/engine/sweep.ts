import type { SweepResult } from '../store/port.js';
import type { EngineDeps } from './deps.js';

/** Sets offline every operator whose heartbeat is older than its site's timeout. */
export function sweepStaleOperators(deps: EngineDeps): Promise<SweepResult> {
  return deps.store.sweepStaleOperators(deps.clock());
}
