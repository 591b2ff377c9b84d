/**
 * The idempotency table's records (chat starts with an Idempotency-Key), written by Powertools
 * Idempotency: its default layout, named here once for the persistence layer and the table,
 * which expires the records by TTL on `expiration`.
 */
export const IDEMPOTENCY_RECORD = {
  keyAttr: 'id',
  expiryAttr: 'expiration',
  inProgressExpiryAttr: 'in_progress_expiration',
  statusAttr: 'status',
  dataAttr: 'data',
  validationKeyAttr: 'validation',
} as const;

/** The table's key and TTL attribute. */
export const IDEMPOTENCY_TABLE = { partitionKey: IDEMPOTENCY_RECORD.keyAttr, ttlAttribute: IDEMPOTENCY_RECORD.expiryAttr } as const;
