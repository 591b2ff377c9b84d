import type { AvatarStore } from '../avatars/avatar-store.js';
import { IMAGE_TYPES, imageWithoutTrailingBytes, MAX_AVATAR_BYTES, sniffImageType } from '../domain/image.js';
import { payloadTooLarge, unsupportedMediaType } from '../domain/errors.js';
import type { EngineDeps } from './deps.js';
import { updateSettings } from './sites.js';

const ACCEPTED = Object.keys(IMAGE_TYPES).join(', ');

/**
 * Stores the shared avatar and sets it in the settings. The declared type must be an accepted
 * image type and the bytes must really be an image of that type, whole: anything after its end
 * marker (an HTML page glued to a PNG, say) is dropped before it is stored. Returns its URL.
 */
export async function uploadSharedAvatar(
  deps: EngineDeps,
  avatars: AvatarStore,
  siteId: string,
  declaredType: string | undefined,
  bytes: Buffer,
): Promise<string> {
  if (bytes.length > MAX_AVATAR_BYTES) throw payloadTooLarge(MAX_AVATAR_BYTES);
  const declared = (declaredType ?? '').split(';')[0]!.trim().toLowerCase();
  const actual = sniffImageType(bytes);
  if (!actual || actual !== declared) throw unsupportedMediaType(`an image (${ACCEPTED})`);
  const image = imageWithoutTrailingBytes(bytes, actual);
  if (!image) throw unsupportedMediaType(`a whole image (${ACCEPTED}): this one is cut short or broken`);
  const sharedAvatarUrl = await avatars.save(siteId, image, actual);
  await updateSettings(deps, siteId, { sharedAvatarUrl });
  return sharedAvatarUrl;
}
