import { imageSize } from 'image-size';
import { AppError } from '#core/errors/app-error';
import type { MediaFile } from '#core/providers/ports';

/** Raster formats a photo for editing may be in, by the type image-size reads from the header. */
const RASTER_MIME: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};
/** The largest input picture accepted for editing, in bytes (chat photos and web uploads alike). */
export const MAX_INPUT_IMAGE_BYTES = 10 * 1024 * 1024;
/** The longest side accepted, in pixels (providers scale inputs down; larger is a decompression risk). */
export const MAX_INPUT_IMAGE_SIDE = 10_000;

/**
 * Checks that the bytes of a photo sent for editing are a real raster image, whatever the chat
 * declared: the header is decoded (https://github.com/image-size/image-size) and must be PNG, JPEG,
 * WebP or GIF with sane dimensions. SVG, HTML or anything else named `photo.png` is refused with
 * `image_invalid` before anything is stored or charged. Returns the file with its real type.
 */
export function checkInputImage(bytes: Buffer): MediaFile & { width: number; height: number } {
  let size: { type?: string; width?: number; height?: number };
  try {
    size = imageSize(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    throw new AppError('image_invalid');
  }
  const mime = size.type && Object.hasOwn(RASTER_MIME, size.type) ? RASTER_MIME[size.type] : undefined;
  const { width, height } = size;
  if (!mime || !width || !height || width > MAX_INPUT_IMAGE_SIDE || height > MAX_INPUT_IMAGE_SIDE)
    throw new AppError('image_invalid');
  return { bytes, mime, width, height };
}

/**
 * Refuses an input picture larger than {@link MAX_INPUT_IMAGE_BYTES} with `invalid_option`, naming
 * its size and the limit. Checked on the declared size before downloading and on the bytes after.
 */
export function assertInputImageSize(sizeBytes: number): void {
  if (sizeBytes > MAX_INPUT_IMAGE_BYTES)
    throw new AppError('invalid_option', {
      vars: { option: 'image', value: `${Math.ceil(sizeBytes / 1048576)} MB`, allowed: '≤ 10 MB' },
    });
}
