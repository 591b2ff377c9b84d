import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * A chat token kept in an idempotency record must not sit there in clear. It is sealed with a
 * key derived from the Idempotency-Key itself, which only the caller holds (the record is
 * stored under a hash of it): whoever can replay the request gets the reply anyway, and a
 * reader of the table gets neither.
 */
function keyFor(siteId: string, idempotencyKey: string): Buffer {
  return createHash('sha256').update(`chat-token-seal\0${siteId}\0${idempotencyKey}`).digest();
}

export function sealToken(token: string, siteId: string, idempotencyKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(siteId, idempotencyKey), iv);
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

export function unsealToken(sealed: string, siteId: string, idempotencyKey: string): string {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(siteId, idempotencyKey), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}
