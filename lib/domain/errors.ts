/**
 * An error a caller can act on: it carries the HTTP status, the contract's error code and a
 * message that is safe to show. It follows middy's http-error shape (`statusCode`, `expose`,
 * `headers`, and a JSON `message`), so `httpErrorHandler` turns it into the contract's
 * `{"error": {code, message}}` reply; anything else that escapes becomes a bare 500.
 */
export class DomainError extends Error {
  readonly statusCode: number;
  readonly expose = true;
  /** The human sentence, also kept apart for logs and for tests. */
  readonly reason: string;

  constructor(
    status: number,
    readonly code: string,
    reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(JSON.stringify({ error: { code, message: reason } }));
    this.name = 'DomainError';
    this.statusCode = status;
    this.reason = reason;
  }

  get status(): number {
    return this.statusCode;
  }
}

export const invalidRequest = (message: string) => new DomainError(400, 'invalid_request', message);
export const unauthorized = () =>
  new DomainError(401, 'unauthorized', 'A valid bearer token is required.', { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (message = 'This token may not do that.') => new DomainError(403, 'forbidden', message);
export const siteNotFound = () => new DomainError(404, 'site_not_found', 'No such site.');
export const operatorNotFound = () => new DomainError(404, 'operator_not_found', 'No such operator on this site.');
export const chatNotFound = () => new DomainError(404, 'chat_not_found', 'No such chat on this site.');
export const visitorChoiceDisabled = () =>
  new DomainError(403, 'visitor_choice_disabled', 'This site does not let visitors choose an operator.');
export const tooManyOpenChats = () =>
  new DomainError(429, 'too_many_open_chats', 'This visitor already has as many open chats on this site as it allows.');
export const operatorUnavailable = () =>
  new DomainError(409, 'operator_unavailable', 'The chosen operator is not available right now.');

/** The store is throttled or out of reach; nothing was half-written and the caller may retry. */
export const serviceUnavailable = (message = 'The service is busy; try again shortly.') =>
  new DomainError(503, 'service_unavailable', message, { 'Retry-After': '1' });

/** Raised when the store kept losing races for longer than is reasonable; the caller may retry. */
export class ContentionError extends DomainError {
  constructor() {
    super(503, 'contention', 'Too many concurrent requests on this site; try again.', { 'Retry-After': '1' });
    this.name = 'ContentionError';
  }
}
