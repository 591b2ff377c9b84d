import { dispatchJob } from './dispatch-waiting-chats.js';
import { repairJob } from './repair-waiting-chats.js';
import { sweepJob } from './sweep-stale-operators.js';

/** The functions that serve no route: the dispatcher (table stream) and the minute jobs (EventBridge). */
export const JOBS = [dispatchJob, sweepJob, repairJob] as const;
