import { lambdaHandler } from '../lib/http/lambda.js';
import { uploadAvatar } from '../lib/routes/upload-avatar.js';

export const handler = lambdaHandler(uploadAvatar);
