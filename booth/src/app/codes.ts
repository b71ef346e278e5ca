// The short codes people read and compare: RFC 4648 base32 of a hash, cut and grouped by five (XXXXX-XXXXX).
// (src/crypto/election.ts has the same base32 for the fingerprint, privately; one export would serve both.)
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

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

/** The first `chars` base32 characters of `digest`, grouped by five: `shortCode(h)` = "K7QXM-2D4NA". */
export function shortCode(digest: Uint8Array, chars = 10): string {
  return base32(digest).slice(0, chars).match(/.{1,5}/g)!.join("-");
}
