import { lambdaHandler } from '../lib/http/lambda.js';
import { recordHeartbeatRoute } from '../lib/routes/record-heartbeat.js';

export const handler = lambdaHandler(recordHeartbeatRoute);
