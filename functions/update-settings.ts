import { lambdaHandler } from '../lib/http/lambda.js';
import { updateSettingsRoute } from '../lib/routes/update-settings.js';

export const handler = lambdaHandler(updateSettingsRoute);
