import { livePushJob } from '../lib/jobs/push-live-events.js';

export const handler = livePushJob.handler();
