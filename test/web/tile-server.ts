import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';

/* Map tiles for the tiled map's browser tests: plain PNGs generated here, no image library. */

/** A CRC-32 (PNG chunks carry one). */
function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A 256 × 256 PNG of one colour, with a darker border so tiles are visible in a screenshot. */
function tilePng(r: number, g: number, b: number): Buffer {
  const size = 256;
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    rows[y * (1 + size * 3)] = 0;
    for (let x = 0; x < size; x++) {
      const edge = x === 0 || y === 0;
      const at = y * (1 + size * 3) + 1 + x * 3;
      rows[at] = edge ? r - 40 : r;
      rows[at + 1] = edge ? g - 40 : g;
      rows[at + 2] = edge ? b - 40 : b;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

export interface TileServer {
  /** The XYZ template for `map.tiles.url`. */
  template: string;
  /** Every tile path asked for. */
  served: string[];
  close(): Promise<void>;
}

/** A tile server on an ephemeral port: two colours in a checkerboard, so tiles show in a screenshot. */
export async function startTileServer(): Promise<TileServer> {
  const tiles = [tilePng(232, 226, 210), tilePng(214, 228, 214)];
  const served: string[] = [];
  const server = createServer((req, res) => {
    const match = /^\/tiles\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
    if (match === null) {
      res.writeHead(404).end();
      return;
    }
    served.push(req.url!);
    res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(tiles[(Number(match[2]) + Number(match[3])) % 2]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    template: `http://127.0.0.1:${port}/tiles/{z}/{x}/{y}.png`,
    served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
