import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeMessage, DecodeError, DecodedFrame, encodeFrame, encodeMessage } from './binary';

// Hand-assembled per docs/protocol.md: u8 kind · u64 seq · i64 t_us · u64 present · f32 per set bit.
const HAND = new Uint8Array([
  0x01, // kind = telemetry
  0x02, 0x01, 0, 0, 0, 0, 0, 0, // seq = 258
  0x60, 0xe3, 0x16, 0, 0, 0, 0, 0, // t_us = 1_500_000
  0x03, 0, 0, 0, 0x80, 0, 0, 0, // present = bits 0, 1, 39
  0x00, 0x00, 0x48, 0x42, // speed_mps = 50.0
  0x00, 0xc0, 0xda, 0x45, // rpm = 7000.0
  0x00, 0x00, 0x80, 0x3f, // lap_valid = 1.0
]);

describe('decodeMessage', () => {
  it('decodes a hand-encoded message', () => {
    const f = decodeMessage(HAND.buffer)!;
    expect(f.seq).toBe(258);
    expect(f.tUs).toBe(1_500_000);
    expect(f.count).toBe(3);
    expect(f.values[0]).toBe(50);
    expect(f.values[1]).toBe(7000);
    expect(f.values[39]).toBe(1);
    expect(f.has(0) && f.has(1) && f.has(39)).toBe(true);
    expect(f.has(2)).toBe(false);
    expect(Number.isNaN(f.values[2])).toBe(true);
    expect(Number.isNaN(f.values[38])).toBe(true);
  });

  it('works on a view into a larger buffer at an odd offset', () => {
    const big = new Uint8Array(HAND.length + 3);
    big.set(HAND, 3);
    const f = decodeMessage(big.subarray(3))!;
    expect(f.seq).toBe(258);
    expect(f.values[1]).toBe(7000);
  });

  it('reads 64-bit seq above 2^32 and negative t_us', () => {
    const b = new Uint8Array([
      1, 5, 0, 0, 0, 1, 0, 0, 0, // seq = 2^32 + 5
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // t_us = -1
      0, 0, 0, 0, 0, 0, 0, 0, // nothing present
    ]);
    const f = decodeMessage(b)!;
    expect(f.seq).toBe(4294967301);
    expect(f.tUs).toBe(-1);
    expect(f.count).toBe(0);
  });

  it('handles bit 63 and all 64 channels', () => {
    const vals: Record<number, number> = {};
    for (let i = 0; i < 64; i++) vals[i] = i * 1.5;
    const f = decodeMessage(encodeMessage(9, encodeFrame(123, vals)))!;
    expect(f.count).toBe(64);
    for (let i = 0; i < 64; i++) expect(f.values[i]).toBe(i * 1.5);
  });

  it('ignores other kinds and rejects short or truncated input', () => {
    const other = HAND.slice();
    other[0] = 7;
    expect(decodeMessage(other)).toBeNull();
    expect(() => decodeMessage(new Uint8Array([1, 0, 0]))).toThrow(DecodeError);
    expect(() => decodeMessage(HAND.subarray(0, HAND.length - 1))).toThrow(/truncated/);
  });

  it('clears channels absent from the next frame when reusing the output', () => {
    const out = new DecodedFrame();
    decodeMessage(HAND, out);
    decodeMessage(encodeMessage(259, encodeFrame(1_600_000, { 2: 3 })), out);
    expect(out.values[2]).toBe(3);
    expect(Number.isNaN(out.values[0])).toBe(true);
    expect(out.seq).toBe(259);
  });
});

describe('encodeFrame', () => {
  it('produces the documented layout (16 + 4k bytes)', () => {
    const bytes = encodeFrame(1_500_000, { 39: 1, 0: 50, 1: 7000 });
    expect(bytes.length).toBe(16 + 12);
    expect([...encodeMessage(258, bytes)]).toEqual([...HAND]);
    const f = decodeFrame(new DataView(bytes.buffer));
    expect(f.tUs).toBe(1_500_000);
  });
});
