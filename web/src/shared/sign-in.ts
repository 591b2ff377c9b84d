/**
 * Signing in to the operator console and the admin page with a token alone: whose token it is
 * (GET /v1/me), or why the page cannot use it, in sentences for a person rather than the API's.
 */

export type TokenRole = 'platform' | 'admin' | 'operator';
/** The token each page signs in with. */
export type PageRole = 'operator' | 'admin';

/**
 * Why a sign-in failed. `unknown`: the service does not know the token (never valid, or replaced);
 * `wrong-role`: a valid token for another page; `unavailable`: the service could not be asked.
 */
export class SignInError extends Error {
  constructor(
    readonly reason: 'unknown' | 'wrong-role' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

export const UNKNOWN_TOKEN = 'That token is not recognised. Check you copied the whole token.';

const WHERE_TO_GET: Record<PageRole, string> = {
  operator: 'Sign in here with an operator token (your admin gives you one).',
  admin: 'Sign in here with your site’s admin token (shown once when the site was created).',
};

const WRONG_ROLE: Record<PageRole, Partial<Record<TokenRole, string>>> = {
  operator: {
    admin: `This is an admin token: it opens the admin page (/admin/), not the operator console. ${WHERE_TO_GET.operator}`,
    platform: `This is the platform token: it creates sites and opens no page. ${WHERE_TO_GET.operator}`,
  },
  admin: {
    operator: `This is an operator token: it opens the operator console (/console/), not the admin page. ${WHERE_TO_GET.admin}`,
    platform: `This is the platform token: it creates sites and opens no page. ${WHERE_TO_GET.admin}`,
  },
};

/** A token that worked here (kept from an earlier visit, or in use) and that the service no longer knows. */
export const TOKEN_NO_LONGER_WORKS: Record<PageRole, string> = {
  operator: 'Your operator token no longer works: your admin replaced it or removed you. Sign in with your new operator token.',
  admin: 'This admin token no longer works: it was replaced. Sign in with the current admin token.',
};

/** The token as typed or pasted: line breaks and spaces (from a copy) and a "Bearer " prefix dropped. */
export function cleanToken(typed: string): string {
  return typed.replace(/^\s*bearer\s+/i, '').replace(/\s+/g, '');
}

/** Whose token this is, when it is one `page` signs in with; a SignInError saying why not otherwise. */
export async function whoIs<T extends { role: TokenRole }>(token: string, page: PageRole): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new SignInError('unavailable', 'We could not reach the service. Check your connection and try again.');
  }
  if (response.status === 401) throw new SignInError('unknown', UNKNOWN_TOKEN);
  if (!response.ok) {
    throw new SignInError('unavailable', `The service could not check the token just now (error ${response.status}). Try again in a moment.`);
  }
  const me = (await response.json().catch(() => null)) as T | null;
  if (!me) throw new SignInError('unavailable', 'The service gave an answer this page does not understand. Try again in a moment.');
  if (me.role !== page) throw new SignInError('wrong-role', WRONG_ROLE[page][me.role] ?? `This token does not open this page. ${WHERE_TO_GET[page]}`);
  return me;
}
