import { lambdaHandler } from '../lib/http/lambda.js';
import { rotateWebhookSecretRoute } from '../lib/routes/rotate-webhook-secret.js';

export const handler = lambdaHandler(rotateWebhookSecretRoute);
