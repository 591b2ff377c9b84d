import { dispatchJob } from '../lib/jobs/dispatch-waiting-chats.js';

export const handler = dispatchJob.handler();
