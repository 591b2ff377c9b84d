import { describe, expect, it } from 'vitest';
import { imageWithoutTrailingBytes, sniffImageType, type ImageType } from '../../lib/domain/image.js';
import { HTML_PAYLOAD, IMAGES, pngChunk } from '../support/images.js';

const cut = (bytes: Buffer, type: ImageType) => imageWithoutTrailingBytes(bytes, type);
const withHtml = (bytes: Buffer) => Buffer.concat([bytes, HTML_PAYLOAD]);

/** Whole images of each type, and where each ends. */
const CASES: [ImageType, Buffer][] = [
  ['image/png', IMAGES.png],
  ['image/jpeg', IMAGES.jpeg],
  ['image/gif', IMAGES.gif],
  ['image/webp', IMAGES.webp],
];

describe('imageWithoutTrailingBytes', () => {
  it.each(CASES)('keeps a whole %s as it is', (type, bytes) => {
    expect(sniffImageType(bytes)).toBe(type);
    expect(cut(bytes, type)).toEqual(bytes);
  });

  it.each(CASES)('drops an HTML page glued after a %s', (type, bytes) => {
    expect(cut(withHtml(bytes), type)).toEqual(bytes);
    expect(cut(Buffer.concat([bytes, bytes]), type)).toEqual(bytes);
  });

  it.each(CASES)('refuses a %s cut short, at any length', (type, bytes) => {
    for (let length = 0; length < bytes.length; length++) {
      expect(cut(bytes.subarray(0, length), type), `${type} cut to ${length} of ${bytes.length} bytes`).toBeNull();
    }
  });

  it('refuses bytes that are not of the type', () => {
    expect(cut(IMAGES.png, 'image/jpeg')).toBeNull();
    expect(cut(HTML_PAYLOAD, 'image/png')).toBeNull();
  });

  describe('PNG', () => {
    const IEND_AT = IMAGES.png.length - 12;
    const body = IMAGES.png.subarray(0, IEND_AT);
    const iend = IMAGES.png.subarray(IEND_AT);

    it('walks the chunks: "IEND" inside a text chunk is not the end', () => {
      const tricky = Buffer.concat([body.subarray(0, 33), pngChunk('tEXt', Buffer.from('Comment\0IEND\xaeB`\x82')), body.subarray(33), iend]);
      expect(cut(withHtml(tricky), 'image/png')).toEqual(tricky);
    });

    it('refuses a PNG without IEND, with a chunk running past the end, or not starting with IHDR', () => {
      expect(cut(withHtml(body), 'image/png')).toBeNull();
      const overlong = Buffer.from(IMAGES.png);
      overlong.writeUInt32BE(0x10000, 33); // the chunk after IHDR claims 64 KB
      expect(cut(overlong, 'image/png')).toBeNull();
      const noHeader = Buffer.concat([IMAGES.png.subarray(0, 8), IMAGES.png.subarray(33)]);
      expect(cut(noHeader, 'image/png')).toBeNull();
      const noData = Buffer.concat([IMAGES.png.subarray(0, 33), iend]);
      expect(cut(noData, 'image/png')).toBeNull();
      const badType = Buffer.from(IMAGES.png);
      badType.write('<sc>', 37, 'latin1');
      expect(cut(badType, 'image/png')).toBeNull();
    });
  });

  describe('JPEG', () => {
    /** The image with an EXIF segment holding a whole JPEG thumbnail (with its own FFD9) after SOI. */
    function withThumbnail(image: Buffer, thumbnail: Buffer) {
      const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), thumbnail]);
      const header = Buffer.from([0xff, 0xe1, 0, 0]);
      header.writeUInt16BE(payload.length + 2, 2);
      return Buffer.concat([image.subarray(0, 2), header, payload, image.subarray(2)]);
    }

    it('ends at the EOI of the image, not at the first FFD9 (that of an embedded thumbnail)', () => {
      const image = withThumbnail(IMAGES.jpeg, IMAGES.jpeg);
      expect(image.indexOf(Buffer.from([0xff, 0xd9]))).toBeLessThan(image.length - 2);
      expect(cut(image, 'image/jpeg')).toEqual(image);
      expect(cut(withHtml(image), 'image/jpeg')).toEqual(image);
    });

    it('refuses an image whose only EOI is the one of its thumbnail', () => {
      const image = withThumbnail(IMAGES.jpeg, IMAGES.jpeg);
      expect(cut(withHtml(image.subarray(0, image.length - 2)), 'image/jpeg')).toBeNull();
      expect(cut(withHtml(image.subarray(0, image.length - 20)), 'image/jpeg')).toBeNull();
    });

    it('reads through stuffed bytes, restart markers and fill bytes in the scan', () => {
      // Scan data with FF00 (a stuffed FF) and FFD0 (a restart), then fill bytes before EOI.
      const sos = IMAGES.jpeg.lastIndexOf(Buffer.from([0xff, 0xda]));
      const scanStart = sos + 2 + IMAGES.jpeg.readUInt16BE(sos + 2);
      const image = Buffer.concat([
        IMAGES.jpeg.subarray(0, scanStart),
        Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]),
        IMAGES.jpeg.subarray(scanStart, -2),
        Buffer.from([0xff, 0xff, 0xff, 0xd9]),
      ]);
      expect(cut(withHtml(image), 'image/jpeg')).toEqual(image);
    });

    it('refuses broken segments: a length past the end, garbage between segments, no frame or no scan', () => {
      const overlong = Buffer.from(IMAGES.jpeg);
      overlong.writeUInt16BE(0xfff0, 4); // APP0 claims 64 KB
      expect(cut(withHtml(overlong), 'image/jpeg')).toBeNull();
      const garbage = Buffer.concat([IMAGES.jpeg.subarray(0, 20), Buffer.from('<x>'), IMAGES.jpeg.subarray(20)]);
      expect(cut(garbage, 'image/jpeg')).toBeNull();
      expect(cut(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'image/jpeg')).toBeNull();
      const sof = IMAGES.jpeg.indexOf(Buffer.from([0xff, 0xc0]));
      expect(sof).toBeGreaterThan(0);
      const sofLength = IMAGES.jpeg.readUInt16BE(sof + 2);
      const noFrame = Buffer.concat([IMAGES.jpeg.subarray(0, sof), IMAGES.jpeg.subarray(sof + 2 + sofLength)]);
      expect(cut(noFrame, 'image/jpeg')).toBeNull();
    });
  });

  describe('GIF', () => {
    const TRAILER_AT = IMAGES.gif.length - 1;

    it('walks the blocks: a 3B inside an extension or in the image data is not the trailer', () => {
      // A comment extension in two sub-blocks full of ';' before the image.
      const comment = Buffer.concat([Buffer.from([0x21, 0xfe, 3]), Buffer.from(';;;'), Buffer.from([2]), Buffer.from(';;'), Buffer.from([0])]);
      const image = Buffer.concat([IMAGES.gif.subarray(0, 13 + 6), comment, IMAGES.gif.subarray(13 + 6)]);
      expect(cut(withHtml(image), 'image/gif')).toEqual(image);
      expect(cut(withHtml(image.subarray(0, image.length - 1)), 'image/gif')).toBeNull();
    });

    it('refuses a GIF without trailer, with an unknown block, or without an image', () => {
      expect(cut(withHtml(IMAGES.gif.subarray(0, TRAILER_AT)), 'image/gif')).toBeNull();
      const unknown = Buffer.concat([IMAGES.gif.subarray(0, TRAILER_AT), Buffer.from('<'), IMAGES.gif.subarray(TRAILER_AT)]);
      expect(cut(unknown, 'image/gif')).toBeNull();
      const headerOnly = Buffer.concat([IMAGES.gif.subarray(0, 13 + 6), Buffer.from([0x3b])]);
      expect(cut(headerOnly, 'image/gif')).toBeNull();
    });
  });

  describe('WebP', () => {
    it('ends where the RIFF size says, and the chunks inside must fill it', () => {
      expect(IMAGES.webp.readUInt32LE(4) + 8).toBe(IMAGES.webp.length);
      const lying = Buffer.from(IMAGES.webp);
      lying.writeUInt32LE(IMAGES.webp.length + HTML_PAYLOAD.length - 8, 4); // the size covers the HTML too
      expect(cut(withHtml(lying), 'image/webp')).toBeNull();
      const shortChunk = Buffer.from(IMAGES.webp);
      shortChunk.writeUInt32LE(shortChunk.readUInt32LE(16) + 100, 16); // the first chunk runs past the end
      expect(cut(withHtml(shortChunk), 'image/webp')).toBeNull();
      const notImage = Buffer.from(IMAGES.webp);
      notImage.write('HTML', 12, 'latin1');
      expect(cut(notImage, 'image/webp')).toBeNull();
    });
  });
});
