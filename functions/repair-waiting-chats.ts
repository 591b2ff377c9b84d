import { repairJob } from '../lib/jobs/repair-waiting-chats.js';

export const handler = repairJob.handler();
