import { webhookPublisherJob } from '../lib/jobs/publish-webhook-events.js';

export const handler = webhookPublisherJob.handler();
