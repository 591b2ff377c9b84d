import { uploadAvatarReply } from '../lib/api/avatar.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('upload-avatar', (event, rt) =>
  uploadAvatarReply(rt, event.pathParameters!.siteId!, event.headers['content-type'], event.rawBody ?? Buffer.alloc(0)),
);
