import { dispatchJob } from './dispatch-waiting-chats.js';
import { deadlineJob } from './handle-chat-deadlines.js';
import { repairJob } from './repair-waiting-chats.js';
import { sweepJob } from './sweep-stale-operators.js';
import { webhookPublisherJob } from './publish-webhook-events.js';
import { webhookSenderJob } from './send-webhooks.js';
import { livePushJob } from './push-live-events.js';

/** The functions that serve no route: the dispatcher, the webhook publisher and the live notifier (table stream), the deadline handler and the webhook sender (SQS), and the minute jobs (EventBridge). */
export const JOBS = [dispatchJob, deadlineJob, sweepJob, repairJob, webhookPublisherJob, webhookSenderJob, livePushJob] as const;
