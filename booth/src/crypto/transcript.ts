// Typed, length-prefixed, domain-separated Fiat–Shamir transcripts: docs/protocol.md §P0, the same bytes as
// crypto/transcript.py. Each item: tag (1 byte) || len(label) u16 || label || len(value) u64 || value.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToInt, concat, EncodingError, intToBytes, uint, utf8 } from "./bytes.ts";

const PREFIX = utf8("linli/transcript/v1");
const TAG = { B: 0x42, I: 0x49, S: 0x53, L: 0x4c, D: 0x44, C: 0x43 } as const;

export class Transcript {
  private h: ReturnType<typeof sha256.create>;

  constructor(domain: string) {
    this.h = sha256.create();
    this.absorb(TAG.D, "domain", concat(PREFIX, utf8("/" + domain)));
  }

  private absorb(tag: number, label: string, value: Uint8Array): void {
    const rawLabel = utf8(label);
    if (rawLabel.length >= 1 << 16) throw new EncodingError("transcript label too long");
    this.h.update(Uint8Array.of(tag));
    this.h.update(uint(rawLabel.length, 2));
    this.h.update(rawLabel);
    this.h.update(uint(value.length, 8));
    this.h.update(value);
  }

  appendBytes(label: string, value: Uint8Array): this {
    this.absorb(TAG.B, label, value);
    return this;
  }

  appendInt(label: string, value: bigint | number): this {
    this.absorb(TAG.I, label, intToBytes(BigInt(value)));
    return this;
  }

  appendStr(label: string, value: string): this {
    this.absorb(TAG.S, label, utf8(value));
    return this;
  }

  appendInts(label: string, values: readonly (bigint | number)[]): this {
    this.absorb(TAG.L, label, uint(values.length, 8));
    values.forEach((v, i) => this.appendInt(`${label}[${i}]`, v));
    return this;
  }

  copy(): Transcript {
    const other = Object.create(Transcript.prototype) as Transcript;
    other.h = this.h.clone();
    return other;
  }

  /** A challenge of exactly `bits` bits; the transcript absorbs the label (crypto/transcript.py challenge_int). */
  challengeInt(label: string, bits: number): bigint {
    if (bits <= 0) throw new RangeError("challenge must have a positive number of bits");
    this.absorb(TAG.C, label, uint(bits, 4));
    const seed = this.h.clone().digest();
    const blocks: Uint8Array[] = [];
    for (let counter = 0; blocks.length * 256 < bits; counter++) blocks.push(sha256(concat(seed, uint(counter, 4))));
    this.h.update(seed);
    const out = concat(...blocks);
    return bytesToInt(out) >> BigInt(out.length * 8 - bits);
  }

  challengeBytes(label: string, length: number): Uint8Array {
    const v = this.challengeInt(label, length * 8);
    return uint(v, length);
  }
}
