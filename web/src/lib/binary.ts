// Decoder for the compact binary telemetry frame and the live viewer's binary message.
//
//   frame   = i64 t_us · u64 present · f32 × popcount(present)   (ascending bit order)
//   message = u8 kind (=1) · u64 seq · frame
//
// Everything little-endian. 64-bit integers are read as two 32-bit halves so no BigInt is allocated
// per frame; they stay exact up to 2^53 (285 years of microseconds).

import { MAX_CHANNELS } from './channels';

export const KIND_TELEMETRY = 1;
export const FRAME_HEADER_BYTES = 16;
export const MESSAGE_HEADER_BYTES = 9;
const TWO_32 = 4294967296;

/** A decoded frame. `values[i]` is NaN when channel i is absent; reuse one instance per stream. */
export class DecodedFrame {
  tUs = 0;
  seq = 0;
  /** Presence mask, low and high 32 bits. */
  maskLo = 0;
  maskHi = 0;
  count = 0;
  readonly values = new Float32Array(MAX_CHANNELS).fill(NaN);

  has(i: number): boolean {
    return i < 32 ? ((this.maskLo >>> i) & 1) === 1 : ((this.maskHi >>> (i - 32)) & 1) === 1;
  }
}

export class DecodeError extends Error {}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Decodes a compact frame starting at `offset` of `view` into `out` (which it returns). */
export function decodeFrame(view: DataView, offset = 0, out: DecodedFrame = new DecodedFrame()): DecodedFrame {
  if (view.byteLength - offset < FRAME_HEADER_BYTES) {
    throw new DecodeError(`frame too short: ${view.byteLength - offset} bytes`);
  }
  const tLo = view.getUint32(offset, true);
  const tHi = view.getInt32(offset + 4, true);
  const maskLo = view.getUint32(offset + 8, true);
  const maskHi = view.getUint32(offset + 12, true);
  const count = popcount32(maskLo) + popcount32(maskHi);
  const need = FRAME_HEADER_BYTES + 4 * count;
  if (view.byteLength - offset < need) {
    throw new DecodeError(`frame truncated: ${view.byteLength - offset} of ${need} bytes`);
  }
  out.tUs = tHi * TWO_32 + tLo;
  out.maskLo = maskLo;
  out.maskHi = maskHi;
  out.count = count;
  const values = out.values;
  let p = offset + FRAME_HEADER_BYTES;
  for (let i = 0; i < MAX_CHANNELS; i++) {
    const present = i < 32 ? (maskLo >>> i) & 1 : (maskHi >>> (i - 32)) & 1;
    if (present) {
      values[i] = view.getFloat32(p, true);
      p += 4;
    } else {
      values[i] = NaN;
    }
  }
  return out;
}

/**
 * Decodes a live viewer binary message (`u8 kind · u64 seq · frame`). Returns null for a kind other than
 * telemetry (forward compatibility); throws DecodeError on malformed input.
 */
export function decodeMessage(buf: ArrayBuffer | ArrayBufferView, out: DecodedFrame = new DecodedFrame()): DecodedFrame | null {
  const view = buf instanceof ArrayBuffer
    ? new DataView(buf)
    : new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.byteLength < MESSAGE_HEADER_BYTES) throw new DecodeError(`message too short: ${view.byteLength} bytes`);
  const kind = view.getUint8(0);
  if (kind !== KIND_TELEMETRY) return null;
  out.seq = view.getUint32(5, true) * TWO_32 + view.getUint32(1, true);
  return decodeFrame(view, MESSAGE_HEADER_BYTES, out);
}

/** Encodes a frame (for tests and tools). `values` maps channel index → value. */
export function encodeFrame(tUs: number, values: ReadonlyMap<number, number> | Record<number, number>): Uint8Array<ArrayBuffer> {
  const entries = (values instanceof Map ? [...values.entries()] : Object.entries(values).map(([k, v]) => [Number(k), v] as [number, number]))
    .sort((a, b) => a[0] - b[0]);
  const buf = new Uint8Array(FRAME_HEADER_BYTES + 4 * entries.length);
  const view = new DataView(buf.buffer);
  view.setBigInt64(0, BigInt(Math.round(tUs)), true);
  let mask = 0n;
  for (const [i] of entries) mask |= 1n << BigInt(i);
  view.setBigUint64(8, mask, true);
  entries.forEach(([, v], k) => view.setFloat32(FRAME_HEADER_BYTES + 4 * k, v, true));
  return buf;
}

/** Encodes a live viewer binary message. */
export function encodeMessage(seq: number, frame: Uint8Array): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(MESSAGE_HEADER_BYTES + frame.length);
  const view = new DataView(buf.buffer);
  view.setUint8(0, KIND_TELEMETRY);
  view.setBigUint64(1, BigInt(seq), true);
  buf.set(frame, MESSAGE_HEADER_BYTES);
  return buf;
}
