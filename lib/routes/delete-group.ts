import { groupPath } from '../domain/schemas.js';
import { deleteGroup } from '../engine/groups.js';
import { defineRoute, noContent } from '../http/route.js';

export const deleteGroupRoute = defineRoute({
  name: 'delete-group',
  method: 'DELETE',
  path: '/v1/sites/{siteId}/groups/{groupId}',
  role: 'admin',
  summary: 'Delete a group: its operators leave it, its waiting chats wait for anyone',
  request: { path: groupPath },
  responses: { 204: null },
  // The group item; each member operator and its copies (a transaction); the waiting chats'
  // entries moved to the site's partition; then a dispatch of the site, as the dispatcher's.
  grants: {
    table: ['GetItem', 'Query', 'UpdateItem', 'DeleteItem'],
    queries: ['table', 'queue', 'load'],
  },
  async handle({ path, rt }) {
    await deleteGroup(rt.deps, path.siteId, path.groupId);
    return noContent();
  },
});
