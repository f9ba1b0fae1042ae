// Draws images/icon.png (128x128): a CPU block receiving interrupt lines.
// Kept as a script so the icon can be regenerated; needs only node's zlib.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const W = 128;
const H = 128;
const px = Buffer.alloc(W * H * 4);
function fill(x0, y0, x1, y1, [r, g, b, a = 255]) {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) px.set([r, g, b, a], (y * W + x) * 4);
}
fill(0, 0, W, H, [24, 28, 40]);
fill(76, 24, 116, 104, [64, 156, 255]); // the CPU
fill(82, 30, 110, 98, [24, 28, 40]);
fill(88, 58, 104, 70, [255, 196, 64]); // the vector
const lines = [[32, [255, 120, 80]], [52, [120, 220, 120]], [72, [255, 196, 64]], [92, [200, 120, 255]]];
for (const [y, c] of lines) {
  fill(12, y, 76, y + 6, c);
  fill(12, y - 6, 18, y + 12, c); // the device end of each line
}
const raw = Buffer.alloc((W * 4 + 1) * H);
for (let y = 0; y < H; y++) px.copy(raw, y * (W * 4 + 1) + 1, y * W * 4, (y + 1) * W * 4);
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(W, 0);
ihdr.writeUInt32BE(H, 4);
ihdr.set([8, 6, 0, 0, 0], 8);
writeFileSync('images/icon.png', Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
