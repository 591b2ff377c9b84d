import { deadlineJob } from '../lib/jobs/handle-chat-deadlines.js';

export const handler = deadlineJob.handler();
