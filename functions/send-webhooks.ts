import { webhookSenderJob } from '../lib/jobs/send-webhooks.js';

export const handler = webhookSenderJob.handler();
