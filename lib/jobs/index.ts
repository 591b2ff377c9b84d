import { dispatchJob } from './dispatch-waiting-chats.js';
import { deadlineJob } from './handle-chat-deadlines.js';
import { repairJob } from './repair-waiting-chats.js';
import { sweepJob } from './sweep-stale-operators.js';

/** The functions that serve no route: the dispatcher (table stream), the deadline handler (SQS) and the minute jobs (EventBridge). */
export const JOBS = [dispatchJob, deadlineJob, sweepJob, repairJob] as const;
