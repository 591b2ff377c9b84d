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

/**
 * A chat's token names its chat: `<chatId>.<256 random bits>`. The chat alone stores its hash,
 * so the name is what lets a request tell a token of another chat (403) from an unknown one (401).
 */
export function newChatToken(chatId: string): string {
  return `${chatId}.${newToken()}`;
}

/** The chat a token names, or undefined when it is not shaped as a chat token. */
export function chatIdOfToken(token: string): string | undefined {
  return /^([A-Za-z0-9_-]{1,64})\.[A-Za-z0-9_-]{43}$/.exec(token)?.[1];
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
