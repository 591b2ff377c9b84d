import { MAX_AVATAR_BYTES, IMAGE_TYPES, sniffImageType, type ImageType } from '../domain/image.js';
import { updateSettings } from '../engine/sites.js';
import { ok, type Reply } from '../http/api-event.js';
import { payloadTooLarge, unsupportedMediaType } from '../http/middleware/request-body.js';
import type { Runtime } from '../runtime.js';

const ACCEPTED = Object.keys(IMAGE_TYPES).join(', ');

/**
 * Stores the shared avatar and sets it in the settings. The declared type must be an accepted
 * image type and the bytes must really be an image of that type.
 */
export async function uploadAvatarReply(
  rt: Runtime,
  siteId: string,
  declaredType: string | undefined,
  bytes: Buffer,
): Promise<Reply> {
  if (bytes.length > MAX_AVATAR_BYTES) throw payloadTooLarge(MAX_AVATAR_BYTES);
  const declared = (declaredType ?? '').split(';')[0]!.trim().toLowerCase();
  const actual = sniffImageType(bytes);
  if (!(declared in IMAGE_TYPES) || actual !== declared) throw unsupportedMediaType(`an image (${ACCEPTED})`);
  const sharedAvatarUrl = await rt.avatars.save(siteId, bytes, actual as ImageType);
  await updateSettings(rt.deps, siteId, { sharedAvatarUrl });
  return ok({ sharedAvatarUrl });
}
