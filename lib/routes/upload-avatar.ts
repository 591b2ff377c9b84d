import * as z from 'zod';
import { sitePath } from '../domain/schemas.js';
import { uploadSharedAvatar } from '../engine/avatars.js';
import { defineRoute, ok } from '../http/route.js';

export const uploadAvatar = defineRoute({
  name: 'upload-avatar',
  method: 'POST',
  path: '/v1/sites/{siteId}/avatar',
  role: 'admin',
  binaryBody: true,
  summary: 'Upload the shared avatar (PNG, JPEG, WebP or GIF, at most 512 KB)',
  request: { path: sitePath, headers: z.looseObject({ 'content-type': z.string().max(200).optional() }) },
  responses: { 200: z.strictObject({ sharedAvatarUrl: z.string() }) },
  // The shared avatar is a setting: its update is copied to the head of each group's partition (listed by a Query).
  grants: { table: ['GetItem', 'Query', 'UpdateItem'], queries: ['table'], avatars: true },
  handle: async ({ path, headers, rawBody, rt }) =>
    ok({
      sharedAvatarUrl: await uploadSharedAvatar(rt.deps, rt.avatars, path.siteId, headers['content-type'], rawBody ?? Buffer.alloc(0)),
    }),
});
