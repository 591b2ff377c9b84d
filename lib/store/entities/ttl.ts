/** The table's TTL attribute, on the items that expire (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';
