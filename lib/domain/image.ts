export const MAX_AVATAR_BYTES = 512 * 1024;

export const IMAGE_TYPES = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
} as const;
export type ImageType = keyof typeof IMAGE_TYPES;

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);
const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** The image type the bytes themselves show, whatever the request claimed; null when none. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return null;
}

const readUint16BE = (bytes: Uint8Array, at: number) => (bytes[at]! << 8) | bytes[at + 1]!;
const readUint16LE = (bytes: Uint8Array, at: number) => bytes[at]! | (bytes[at + 1]! << 8);
const readUint32BE = (bytes: Uint8Array, at: number) => readUint16BE(bytes, at) * 0x10000 + readUint16BE(bytes, at + 2);
const readUint32LE = (bytes: Uint8Array, at: number) => readUint16LE(bytes, at) + readUint16LE(bytes, at + 2) * 0x10000;
const fourCC = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));

/** PNG: chunks (length, type, data, CRC) from IHDR to IEND; the image ends after IEND's CRC. */
function pngEnd(bytes: Uint8Array): number | null {
  let at = 8;
  let sawImageData = false;
  for (let index = 0; at + 12 <= bytes.length; index++) {
    const length = readUint32BE(bytes, at);
    const type = fourCC(bytes, at + 4);
    if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) return null;
    if ((index === 0) !== (type === 'IHDR') || (type === 'IHDR' && length !== 13)) return null;
    const next = at + 12 + length;
    if (next > bytes.length) return null;
    if (type === 'IDAT') sawImageData = true;
    if (type === 'IEND') return length === 0 && sawImageData ? next : null;
    at = next;
  }
  return null;
}

/**
 * JPEG: marker segments, each with its length, and after each start-of-scan the entropy-coded
 * data up to the next marker that is neither stuffing (FF00) nor a restart (FFD0-FFD7). The image
 * ends at the EOI that follows this structure, not at the first FFD9 (an EXIF thumbnail holds one).
 */
function jpegEnd(bytes: Uint8Array): number | null {
  let at = 2;
  let sawFrame = false;
  let sawScan = false;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    while (bytes[at] === 0xff) at++; // fill bytes before a marker
    if (at >= bytes.length) return null;
    const marker = bytes[at++]!;
    if (marker === 0xd9) return sawFrame && sawScan ? at : null;
    if (marker === 0x00 || marker === 0xd8) return null;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (at + 2 > bytes.length) return null;
    const length = readUint16BE(bytes, at);
    if (length < 2 || at + length > bytes.length) return null;
    // SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) sawFrame = true;
    at += length;
    if (marker === 0xda) {
      if (!sawFrame) return null;
      sawScan = true;
      for (;;) {
        if (at + 1 >= bytes.length) return null;
        if (bytes[at] !== 0xff) {
          at++;
          continue;
        }
        const following = bytes[at + 1]!;
        if (following === 0x00 || (following >= 0xd0 && following <= 0xd7)) at += 2; // stuffed FF, or a restart
        else if (following === 0xff) at++; // a fill byte: the next FF may start the marker
        else break; // the marker after the scan: read by the loop above
      }
    }
  }
  return null;
}

/** GIF: screen descriptor, colour table, then extension and image blocks (each in sub-blocks) up to the trailer 3B. */
function gifEnd(bytes: Uint8Array): number | null {
  const colourTableBytes = (flags: number) => (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
  /** Past a run of sub-blocks (size byte, data) ended by a zero size; null when it runs off the end. */
  const skipSubBlocks = (from: number): number | null => {
    let at = from;
    while (at < bytes.length) {
      const size = bytes[at]!;
      at += 1 + size;
      if (size === 0) return at;
    }
    return null;
  };
  if (bytes.length < 13) return null;
  let at: number | null = 13 + colourTableBytes(bytes[10]!);
  let sawImage = false;
  while (at !== null && at < bytes.length) {
    const introducer = bytes[at]!;
    if (introducer === 0x3b) return sawImage ? at + 1 : null;
    if (introducer === 0x21) {
      at = at + 2 < bytes.length ? skipSubBlocks(at + 2) : null;
    } else if (introducer === 0x2c) {
      if (at + 10 >= bytes.length) return null;
      const dataStart: number = at + 10 + colourTableBytes(bytes[at + 9]!);
      // Then the LZW minimum code size (a byte) and the image data in sub-blocks.
      at = dataStart + 1 < bytes.length ? skipSubBlocks(dataStart + 1) : null;
      sawImage = true;
    } else {
      return null;
    }
  }
  return null;
}

/** WebP: the RIFF header's size gives the length; the chunks inside must fill it exactly. */
function webpEnd(bytes: Uint8Array): number | null {
  if (bytes.length < 12) return null;
  const end = 8 + readUint32LE(bytes, 4);
  if (end > bytes.length || end < 12 + 8) return null;
  let at = 12;
  while (at + 8 <= end) {
    const type = fourCC(bytes, at);
    if (at === 12 && !['VP8 ', 'VP8L', 'VP8X'].includes(type)) return null;
    const size = readUint32LE(bytes, at + 4);
    at += 8 + size;
    if (at > end) return null;
    if (size % 2 === 1 && at < end) at++; // chunks are padded to an even length
  }
  return at === end ? end : null;
}

const END_OF: Record<ImageType, (bytes: Uint8Array) => number | null> = {
  'image/png': pngEnd,
  'image/jpeg': jpegEnd,
  'image/gif': gifEnd,
  'image/webp': webpEnd,
};

/**
 * The image cut at its end marker: whatever follows it (an HTML page glued to a PNG, say) is
 * dropped. Null when the structure of the image, as far as it is walked, is broken or when it
 * stops before its end marker. `type` is the type sniffImageType found.
 */
export function imageWithoutTrailingBytes<T extends Uint8Array>(bytes: T, type: ImageType): T | null {
  if (sniffImageType(bytes) !== type) return null;
  const end = END_OF[type](bytes);
  return end === null ? null : (bytes.subarray(0, end) as T);
}
