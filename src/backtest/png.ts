import { deflateSync } from 'node:zlib';

/** A tiny RGB raster and PNG encoder (node:zlib only): enough for an equity-curve image. */
export class Raster {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: [number, number, number] = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    for (let at = 0; at < width * height; at += 1) this.pixels.set(background, at * 3);
  }

  set(x: number, y: number, color: readonly [number, number, number]): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    this.pixels.set(color, (py * this.width + px) * 3);
  }

  /** Bresenham's line, `thickness` pixels wide (square pen). */
  line(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    color: readonly [number, number, number],
    thickness = 1,
  ): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xEnd = Math.round(x1);
    const yEnd = Math.round(y1);
    const dx = Math.abs(xEnd - x);
    const dy = -Math.abs(yEnd - y);
    const sx = x < xEnd ? 1 : -1;
    const sy = y < yEnd ? 1 : -1;
    let error = dx + dy;
    const half = Math.floor((thickness - 1) / 2);
    for (;;) {
      for (let ox = -half; ox < thickness - half; ox += 1)
        for (let oy = -half; oy < thickness - half; oy += 1) this.set(x + ox, y + oy, color);
      if (x === xEnd && y === yEnd) return;
      const doubled = 2 * error;
      if (doubled >= dy) {
        error += dy;
        x += sx;
      }
      if (doubled <= dx) {
        error += dx;
        y += sy;
      }
    }
  }

  toPng(): Buffer {
    const { width, height } = this;
    const rows = Buffer.alloc((width * 3 + 1) * height);
    for (let y = 0; y < height; y += 1) {
      rows[y * (width * 3 + 1)] = 0; // filter: none
      rows.set(this.pixels.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // colour type: RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(rows)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length, 0);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([length, body, crc]);
}

/** The equity curve as a PNG: light grid, the curve in blue, the starting value dashed. */
export function equityPng(values: Float64Array, initial: number, width = 900, height = 320): Buffer {
  const raster = new Raster(width, height);
  const margin = 10;
  let low = initial;
  let high = initial;
  for (const value of values) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  if (high === low) high = low + 1;
  const y = (value: number) => height - margin - ((value - low) / (high - low)) * (height - 2 * margin);
  const grid: [number, number, number] = [225, 228, 232];
  for (let k = 0; k <= 4; k += 1) {
    const gy = margin + (k / 4) * (height - 2 * margin);
    raster.line(margin, gy, width - margin, gy, grid);
  }
  const baseline = y(initial);
  for (let gx = margin; gx < width - margin; gx += 8)
    raster.line(gx, baseline, gx + 3, baseline, [150, 150, 150]);
  // One segment per pixel column (min and max of that column), so long runs stay fast.
  const columns = width - 2 * margin;
  let previous: [number, number] | null = null;
  for (let column = 0; column <= columns; column += 1) {
    const start = Math.floor((column / (columns + 1)) * values.length);
    const end = Math.max(start + 1, Math.floor(((column + 1) / (columns + 1)) * values.length));
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let at = start; at < end && at < values.length; at += 1) {
      min = Math.min(min, values[at]!);
      max = Math.max(max, values[at]!);
    }
    if (min === Number.POSITIVE_INFINITY) continue;
    const px = margin + column;
    raster.line(px, y(min), px, y(max), [31, 100, 200], 2);
    const last = values[Math.min(end, values.length) - 1]!;
    if (previous) raster.line(previous[0], previous[1], px, y(last), [31, 100, 200], 2);
    previous = [px, y(last)];
  }
  return raster.toPng();
}
