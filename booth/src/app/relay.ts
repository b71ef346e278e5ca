// The phone's side of the credential relay (docs/protocol.md §P13; the same bytes as voting/relay.py): the request
// it posts (only the public part of the credential), the check value it shows next to the relay code so the
// registrar can tell the request was not swapped, and the registrar's signed issuance, verified before use.
import { concat, equalBytes, fromHex, hash, toHex, utf8 } from "../crypto/bytes.ts";
import { canonical, exactKeys, getStr, type JSONObject, type JSONValue, parseCanonical } from "../crypto/encoding.ts";
import { signatureHolds } from "../crypto/ed25519.ts";

export const RELAY_ISSUANCE_DOMAIN = utf8("linli/relay-issuance/v1\0");
const REQUEST_CHECK_DOMAIN = utf8("linli/relay-request/v1\0");
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32
export const MAX_ISSUANCE_BYTES = 4096;

export class RelayError extends Error {
  override name = "RelayError";
}

/** voting/relay.py RelayRequest.to_bytes: {"election", "mode": "signing", "public_key"} or {"commitment", ...}. */
export function relayRequest(electionId: string, mode: "signing" | "anonymous", publicPart: Uint8Array): Uint8Array {
  const body: JSONObject =
    mode === "signing"
      ? { election: electionId, mode, public_key: toHex(publicPart) }
      : { commitment: toHex(publicPart), election: electionId, mode };
  return canonical(body);
}

/** voting/relay.py request_check: the first 50 bits of SHA-256(domain ‖ request), most significant first, in the
 * codes' alphabet (Crockford base32, 5 bits a character), XXXXX-XXXXX. */
export function requestCheck(request: Uint8Array): string {
  const digest = hash(concat(REQUEST_CHECK_DOMAIN, request));
  let bits = 0n;
  for (const b of digest.slice(0, 7)) bits = (bits << 8n) | BigInt(b);
  bits >>= 6n; // 56 -> 50 bits
  let out = "";
  for (let i = 9; i >= 0; i--) out += CODE_ALPHABET[Number((bits >> BigInt(5 * i)) & 31n)];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

/** voting/relay.py parse_code: a code as shown or typed, canonical (XXXXX-XXXXX), or RelayError. */
export function parseCode(text: string): string {
  const compact = text.toUpperCase().replace(/[ \t-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  if (compact.length !== 10 || [...compact].some((c) => !CODE_ALPHABET.includes(c))) {
    throw new RelayError("a relay code is 10 characters of Crockford base32, e.g. 7K2QM-X9D4A");
  }
  return `${compact.slice(0, 5)}-${compact.slice(5)}`;
}

/** voting/relay.py RelayIssuance.from_bytes + verify: the registrar's answer to `code`, checked against the
 * election's registrar key and instance; returns `issued` (the blind signature's JSON, or null in signing mode). */
export function openIssuance(
  data: Uint8Array,
  expect: { electionId: string; electionHash: Uint8Array; code: string; registrarKey: Uint8Array },
): JSONValue {
  if (data.length > MAX_ISSUANCE_BYTES) throw new RelayError(`relay issuance: more than ${MAX_ISSUANCE_BYTES} bytes`);
  const obj = exactKeys(parseCanonical(data, "relay issuance"), ["code", "election", "election_hash", "issued", "signature"], "relay issuance");
  const signature = fromHex(getStr(obj, "signature", "relay issuance"), "relay issuance.signature", 64);
  const unsigned: JSONObject = { code: obj["code"]!, election: obj["election"]!, election_hash: obj["election_hash"]!, issued: obj["issued"]! };
  if (!signatureHolds(expect.registrarKey, concat(RELAY_ISSUANCE_DOMAIN, canonical(unsigned)), signature)) {
    throw new RelayError("relay issuance: not signed by the election's registrar");
  }
  if (getStr(obj, "election", "relay issuance") !== expect.electionId) throw new RelayError("relay issuance: for another election");
  const electionHash = fromHex(getStr(obj, "election_hash", "relay issuance"), "relay issuance.election_hash", 32);
  if (!equalBytes(electionHash, expect.electionHash)) throw new RelayError("relay issuance: for another instance of this election");
  if (getStr(obj, "code", "relay issuance") !== expect.code) throw new RelayError("relay issuance: for another relay code");
  return obj["issued"]!;
}
