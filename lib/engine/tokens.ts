import { hashToken, newToken } from '../domain/ids.js';
import { untilWritten, type EngineDeps } from './deps.js';
import { requireOperator } from './operators.js';
import { requireSite } from './sites.js';

/** A new token for the operator; the old one stops working at once. Shown only in the reply. */
export async function rotateOperatorToken(deps: EngineDeps, siteId: string, operatorId: string): Promise<string> {
  const token = newToken();
  await untilWritten(async () => {
    const record = await requireOperator(deps, siteId, operatorId);
    return (await deps.store.rotateOperatorToken(record, hashToken(token))) || undefined;
  });
  return token;
}

/** A new admin token for the site; the old one stops working at once. */
export async function rotateAdminToken(deps: EngineDeps, siteId: string): Promise<string> {
  const token = newToken();
  await untilWritten(async () => {
    const site = await requireSite(deps, siteId);
    return (await deps.store.rotateAdminToken(site, hashToken(token))) || undefined;
  });
  return token;
}
