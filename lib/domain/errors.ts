interface ErrorSpec {
  /** The HTTP status the code is always answered with. */
  readonly status: number;
  /** The default human sentence; a specific one (e.g. naming the failing field) may replace it. */
  readonly message: string;
  /** Headers the reply always carries with this code. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Every error code the service answers, with its status and default message: the one place
 * they are written. The reply body `{"error": {code, message}}` is rendered by the HTTP layer
 * (lib/http/middleware/error-envelope.ts).
 */
export const ERRORS = {
  invalid_request: { status: 400, message: 'The request is not valid.' },
  unauthorized: { status: 401, message: 'A valid bearer token is required.', headers: { 'WWW-Authenticate': 'Bearer' } },
  forbidden: { status: 403, message: 'This token may not do that.' },
  origin_not_allowed: { status: 403, message: 'This site does not accept requests from that origin.' },
  visitor_choice_disabled: { status: 403, message: 'This site does not let visitors choose an operator.' },
  site_not_found: { status: 404, message: 'No such site.' },
  operator_not_found: { status: 404, message: 'No such operator on this site.' },
  chat_not_found: { status: 404, message: 'No such chat on this site.' },
  group_not_found: { status: 404, message: 'No such group on this site.' },
  not_found: { status: 404, message: 'No such route.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed on this path.' },
  operator_unavailable: { status: 409, message: 'The chosen operator is not available right now.' },
  chat_not_yours: { status: 409, message: 'This chat is not assigned to you (any more).' },
  chat_closed: { status: 409, message: 'This chat is closed.' },
  chat_not_open: { status: 409, message: 'This chat is neither assigned nor waiting.' },
  payload_too_large: { status: 413, message: 'The body is too large.' },
  unsupported_media_type: { status: 415, message: 'The body is not of a media type this route takes.' },
  idempotency_key_reused: {
    status: 422,
    message: 'This Idempotency-Key was already used with a different request body.',
  },
  too_many_open_chats: {
    status: 429,
    message: 'This visitor already has as many open chats on this site as it allows.',
  },
  internal_error: { status: 500, message: 'Something went wrong on our side; try again later.' },
  service_unavailable: { status: 503, message: 'The service is busy; try again shortly.', headers: { 'Retry-After': '1' } },
  contention: {
    status: 503,
    message: 'Too many concurrent requests on this site; try again.',
    headers: { 'Retry-After': '1' },
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * An error a caller can act on: a catalogued code, its status and a human sentence that is
 * safe to show (`message`). It follows middy's http-error shape (`statusCode`, `expose`,
 * `headers`), so `httpErrorHandler` answers it with its status and headers, and the error
 * envelope middleware turns it into the contract's body; anything else that escapes is a 500.
 */
export class DomainError extends Error {
  readonly statusCode: number;
  readonly status: number;
  readonly expose = true;
  readonly headers: Record<string, string>;

  /** `message` replaces the catalogue's sentence; `headers` add to the catalogue's (e.g. `Allow`). */
  constructor(
    readonly code: ErrorCode,
    message?: string,
    headers: Record<string, string> = {},
  ) {
    const spec: ErrorSpec = ERRORS[code];
    super(message ?? spec.message);
    this.name = 'DomainError';
    this.statusCode = spec.status;
    this.status = spec.status;
    this.headers = { ...spec.headers, ...headers };
  }
}

export const invalidRequest = (message: string) => new DomainError('invalid_request', message);
export const unauthorized = () => new DomainError('unauthorized');
export const forbidden = (message?: string) => new DomainError('forbidden', message);
export const originNotAllowed = () => new DomainError('origin_not_allowed');
export const siteNotFound = () => new DomainError('site_not_found');
export const operatorNotFound = () => new DomainError('operator_not_found');
export const chatNotFound = () => new DomainError('chat_not_found');
export const groupNotFound = () => new DomainError('group_not_found');
export const visitorChoiceDisabled = () => new DomainError('visitor_choice_disabled');
export const tooManyOpenChats = () => new DomainError('too_many_open_chats');
export const operatorUnavailable = () => new DomainError('operator_unavailable');
export const chatNotYours = () => new DomainError('chat_not_yours');
export const chatClosed = () => new DomainError('chat_closed');
export const chatNotOpen = () => new DomainError('chat_not_open');
export const payloadTooLarge = (limitBytes: number) =>
  new DomainError('payload_too_large', `The body is larger than ${limitBytes / 1024} KB.`);
export const unsupportedMediaType = (expected: string) => new DomainError('unsupported_media_type', `The body must be ${expected}.`);
export const idempotencyKeyReused = () => new DomainError('idempotency_key_reused');

/** The store is throttled or out of reach; nothing was half-written and the caller may retry. */
export const serviceUnavailable = (message?: string) => new DomainError('service_unavailable', message);

/** Raised when the store kept losing races for longer than is reasonable; the caller may retry. */
export class ContentionError extends DomainError {
  constructor() {
    super('contention');
    this.name = 'ContentionError';
  }
}
