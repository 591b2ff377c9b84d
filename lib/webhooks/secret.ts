import { createHmac, randomBytes } from 'node:crypto';

/**
 * A site's signing secret is derived from the service's webhook key and a random seed kept on the
 * site: the table holds the seed only, so a reader of the table cannot sign as the service, and
 * rotating is a new seed. The key is in Secrets Manager in AWS and in .local-data/ locally.
 */
export const newWebhookSeed = () => randomBytes(16).toString('base64url');

export const webhookSecretFor = (serviceKey: string, siteId: string, seed: string) =>
  `whsec_${createHmac('sha256', serviceKey).update(`webhook-secret\0${siteId}\0${seed}`).digest('base64url')}`;
