import type { ImageType } from '../domain/image.js';

/** Where shared avatars are kept; `save` returns the URL (or /path) the widget shows. */
export interface AvatarStore {
  save(siteId: string, bytes: Uint8Array, type: ImageType): Promise<string>;
}
