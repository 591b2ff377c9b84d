import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_TYPES } from '../domain/image.js';
import type { AvatarStore } from './avatar-store.js';

/** Local stack: files in a folder that the local server serves under `baseUrl`. */
export function folderAvatarStore(folder: string, baseUrl: string): AvatarStore {
  return {
    async save(siteId, bytes, type) {
      const name = `${randomBytes(8).toString('hex')}.${IMAGE_TYPES[type]}`;
      await mkdir(join(folder, siteId), { recursive: true });
      await writeFile(join(folder, siteId, name), bytes);
      return `${baseUrl}/${siteId}/${name}`;
    },
  };
}
