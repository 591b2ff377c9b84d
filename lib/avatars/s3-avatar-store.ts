import { randomBytes } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { IMAGE_TYPES } from '../domain/image.js';
import type { AvatarStore } from './avatar-store.js';

/** AWS: objects under avatars/ in the bucket, served by the CDN at `baseUrl`. Names are new per upload, so they cache forever. */
export function s3AvatarStore(s3: S3Client, bucket: string, baseUrl: string): AvatarStore {
  return {
    async save(siteId, bytes, type) {
      const name = `${randomBytes(8).toString('hex')}.${IMAGE_TYPES[type]}`;
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `avatars/${siteId}/${name}`,
          Body: bytes,
          ContentType: type,
          CacheControl: 'public, max-age=31536000, immutable',
        }),
      );
      return `${baseUrl}/${siteId}/${name}`;
    },
  };
}
