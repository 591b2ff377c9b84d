import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number, length: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < length; i += 1) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += CROCKFORD[byte % 32];
  return out;
}

/** A ULID-style id: sorts by creation time (ms), then 80 random bits. */
export function timeOrderedId(nowMs: number): string {
  return encodeTime(nowMs, 10) + encodeRandom(16);
}

/** The smallest id `timeOrderedId` can produce at that instant: a bound for range queries. */
export function timeOrderedIdFloor(nowMs: number): string {
  return encodeTime(nowMs, 10);
}

/** Site ids are random: knowing one site's id says nothing about another's. */
export function newSiteId(): string {
  return randomBytes(12).toString('base64url');
}

/** A bearer token: 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are stored only as this hash; a plain SHA-256 suffices for 256-bit random secrets. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function tokenMatches(token: string, storedHash: string | undefined): boolean {
  if (!storedHash) return false;
  const given = Buffer.from(hashToken(token));
  const stored = Buffer.from(storedHash);
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** A short random string used to break ties in index sort keys. */
export function tiebreaker(): string {
  return randomBytes(6).toString('base64url');
}
