// Byte strings, hex and big integers: the conversions every other module uses (one place, one convention:
// lowercase hex, minimal big-endian integers as in crypto/transcript.py `int_to_bytes`).
import { sha256 } from "@noble/hashes/sha2.js";

export class EncodingError extends Error {
  override name = "EncodingError";
}

const HEX = /^(?:[0-9a-f]{2})*$/;

export function toHex(data: Uint8Array): string {
  let out = "";
  for (const b of data) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Lowercase, even-length hex only (the record's convention); `length`: the exact byte length expected. */
export function fromHex(hex: string, what = "hex", length?: number): Uint8Array {
  if (typeof hex !== "string" || !HEX.test(hex)) throw new EncodingError(`${what}: expected lowercase hex`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  if (length !== undefined && out.length !== length) {
    throw new EncodingError(`${what}: expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function hash(data: Uint8Array): Uint8Array {
  return sha256(data);
}

/** Minimal big-endian bytes of a non-negative integer (zero is the empty string). */
export function intToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new EncodingError("negative integers have no byte encoding here");
  if (value === 0n) return new Uint8Array(0);
  let hex = value.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  return fromHex(hex);
}

/** Fixed-width big-endian bytes (`width` bytes) of a non-negative integer. */
export function intToFixed(value: bigint, width: number): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(8 * width)) throw new EncodingError(`integer does not fit ${width} bytes`);
  return fromHex(value.toString(16).padStart(2 * width, "0"));
}

export function bytesToInt(data: Uint8Array): bigint {
  return data.length === 0 ? 0n : BigInt("0x" + toHex(data));
}

/** u64 / u32 / u16 big-endian. */
export function uint(value: number | bigint, width: number): Uint8Array {
  return intToFixed(BigInt(value), width);
}

export function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

export const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding (Python's base64.b32encode, less the "="): election fingerprints and receipt
 *  codes. */
export function base32(data: Uint8Array): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const byte of data) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}
