/**
 * Whole images of the four accepted types for the fuzz test's avatar uploads, at any size up to
 * and past the limit: PNG and GIF are built here (random pixels and colours), the JPEG and WebP
 * are small real ones (made by Chromium's canvas), padded with comment segments when a size is
 * asked for. The upload checks the structure of the image, so `fill` never makes a broken one.
 */
import { deflateSync } from 'node:zlib';
import { pngChunk } from './images.js';

const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAA' +
  'AABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' +
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAA' +
  'ABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAA' +
  'AAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAA' +
  'AAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAA' +
  'AABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDAAoHBwgH' +
  'BgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQ' +
  'EBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAIAAgDASIAAhEB' +
  'AxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAT/xAAXEAEBAQEAAAAAAAAAAAAAAAAABCEx/8QAFAEBAAAAAAAAAAAAAAAAAAAA' +
  'Bf/EABkRAAIDAQAAAAAAAAAAAAAAAAMEAAETIf/aAAwDAQACEQMRAD8Amll5gAF50219iy4B51yf/9k=',
  'base64',
);

const WEBP = Buffer.from(
  'UklGRiQCAABXRUJQVlA4WAoAAAAgAAAABwAABwAASUNDUMgBAAAAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAA' +
  'AABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' +
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAA' +
  'ABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAA' +
  'AAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAA' +
  'AAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAA' +
  'AABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADZWUDggNgAAABAC' +
  'AJ0BKggACAACQDglqAJ0ugACuu21aQAA/tC5Tdzr+uivx93j5+vn5nrowVWp6p1POwAAAA==',
  'base64',
);

export type ImageKind = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
export const IMAGE_KINDS: readonly ImageKind[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
/** The kinds that can be padded to an exact size with comments (WebP is used at its own size). */
export const PADDABLE_KINDS: readonly ImageKind[] = ['image/png', 'image/jpeg', 'image/gif'];

/** Deterministic bytes from a seed (xorshift), for pixels and colours. */
function bytesFrom(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < length; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

function png(seed: number, size?: number): Buffer {
  const width = 1 + (seed % 16);
  const height = 1 + ((seed >>> 4) % 16);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const pixels = bytesFrom(seed, height * (1 + width * 3));
  for (let row = 0; row < height; row += 1) pixels[row * (1 + width * 3)] = 0; // filter: none
  const head = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header)]);
  const tail = Buffer.concat([pngChunk('IDAT', deflateSync(pixels)), pngChunk('IEND', Buffer.alloc(0))]);
  const natural = head.length + tail.length;
  if (size === undefined || size < natural + 12 + 8) return Buffer.concat([head, tail]);
  const comment = Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(size - natural - 12 - 8, 'x')]);
  return Buffer.concat([head, pngChunk('tEXt', comment), tail]);
}

/** GIF sub-blocks (at most 255 bytes each) and their terminator. */
function subBlocks(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += 255) {
    const block = data.subarray(at, at + 255);
    parts.push(Buffer.from([block.length]), block);
  }
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function gif(seed: number, size?: number): Buffer {
  const colours = bytesFrom(seed, 6);
  const head = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([1, 0, 1, 0, 0x80, 0, 0]), colours]);
  // A 1×1 image: LZW minimum code size 2, then the data of one pixel.
  const image = Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]);
  const natural = head.length + image.length;
  if (size === undefined || size < natural + 3) return Buffer.concat([head, image]);
  // A comment extension of exactly the missing length: 2 + data + one size byte per 255 + terminator.
  let data = size - natural - 3;
  while (data > 0 && 2 + data + Math.ceil(data / 255) + 1 > size - natural) data -= 1;
  const comment = Buffer.concat([Buffer.from([0x21, 0xfe]), subBlocks(Buffer.alloc(data, 'x'))]);
  const padded = Buffer.concat([head, comment, image]);
  return padded.length === size ? padded : Buffer.concat([head, image]);
}

function jpeg(seed: number, size?: number): Buffer {
  if (size === undefined || size < JPEG.length + 4) return JPEG;
  // Comment segments (FF FE, length, text) right after the start of image.
  const segments: Buffer[] = [];
  let missing = size - JPEG.length;
  while (missing > 0) {
    let segment = Math.min(missing, 65_537);
    if (missing - segment > 0 && missing - segment < 4) segment -= 4;
    const length = Buffer.alloc(2);
    length.writeUInt16BE(segment - 2);
    segments.push(Buffer.from([0xff, 0xfe]), length, Buffer.from(bytesFrom(seed, segment - 4).map((byte) => 0x20 + (byte % 0x5f))));
    missing -= segment;
  }
  return Buffer.concat([JPEG.subarray(0, 2), ...segments, JPEG.subarray(2)]);
}

/** A whole image of that kind; of exactly `size` bytes when given (and the kind can be padded). */
export function wholeImage(kind: ImageKind, seed: number, size?: number): Buffer {
  switch (kind) {
    case 'image/png':
      return png(seed, size);
    case 'image/gif':
      return gif(seed, size);
    case 'image/jpeg':
      return jpeg(seed, size);
    case 'image/webp':
      return WEBP;
  }
}
