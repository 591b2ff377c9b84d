import type { Config } from '../config.js';
import { LIVE_PATH } from './protocol.js';

/** Where the pages connect: the WebSocket API in AWS; locally the API's own host (the request's Host header). */
export function liveUrlFor(settings: Config, host: string | undefined): string | null {
  if (settings.LIVE_URL) return settings.LIVE_URL;
  return host ? `ws://${host}${LIVE_PATH}` : null;
}
