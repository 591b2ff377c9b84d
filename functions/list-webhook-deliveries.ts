import { lambdaHandler } from '../lib/http/lambda.js';
import { listWebhookDeliveriesRoute } from '../lib/routes/list-webhook-deliveries.js';

export const handler = lambdaHandler(listWebhookDeliveriesRoute);
