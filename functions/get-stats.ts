import { statsReply } from '../lib/api/operators.js';
import type { StatsQuery } from '../lib/domain/schemas.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('get-stats', (event, rt) =>
  statsReply(rt, event.pathParameters!.siteId!, (event.queryStringParameters ?? {}) as StatsQuery),
);
