import { preflightHandler } from '../lib/http/preflight.js';

export const handler = preflightHandler();
