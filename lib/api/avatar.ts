import { MAX_AVATAR_BYTES, IMAGE_TYPES, imageWithoutTrailingBytes, sniffImageType, type ImageType } from '../domain/image.js';
import { updateSettings } from '../engine/sites.js';
import { ok, type Reply } from '../http/api-event.js';
import { payloadTooLarge, unsupportedMediaType } from '../http/middleware/request-body.js';
import type { Runtime } from '../runtime.js';

const ACCEPTED = Object.keys(IMAGE_TYPES).join(', ');

/**
 * Stores the shared avatar and sets it in the settings. The declared type must be an accepted
 * image type and the bytes must really be an image of that type, whole: anything after its end
 * marker (an HTML page glued to a PNG, say) is dropped before it is stored.
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
  const image = imageWithoutTrailingBytes(bytes, actual);
  if (!image) throw unsupportedMediaType(`a whole image (${ACCEPTED}): this one is cut short or broken`);
  const sharedAvatarUrl = await rt.avatars.save(siteId, image, actual as ImageType);
  await updateSettings(rt.deps, siteId, { sharedAvatarUrl });
  return ok({ sharedAvatarUrl });
}
