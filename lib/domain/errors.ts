/**
 * An error a caller can act on: it carries the HTTP status and the contract's error code, and
 * its message is safe to show. Anything else that escapes is an internal error.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidRequest = (message: string) => new DomainError(400, 'invalid_request', message);
export const siteNotFound = () => new DomainError(404, 'site_not_found', 'No such site.');
export const operatorNotFound = () => new DomainError(404, 'operator_not_found', 'No such operator on this site.');
export const chatNotFound = () => new DomainError(404, 'chat_not_found', 'No such chat on this site.');
export const visitorChoiceDisabled = () =>
  new DomainError(403, 'visitor_choice_disabled', 'This site does not let visitors choose an operator.');
export const operatorUnavailable = () =>
  new DomainError(409, 'operator_unavailable', 'The chosen operator is not available right now.');

/** Raised when the store kept losing races for longer than is reasonable; the caller may retry. */
export class ContentionError extends Error {
  constructor(message = 'Too much contention on the site; try again.') {
    super(message);
    this.name = 'ContentionError';
  }
}
