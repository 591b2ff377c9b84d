import { lambdaHandler } from '../lib/http/lambda.js';
import { getWidget } from '../lib/routes/get-widget.js';

export const handler = lambdaHandler(getWidget);
