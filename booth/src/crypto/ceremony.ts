// The key ceremony as key.published names it (voting/ceremony.py CeremonyRecord; docs/protocol.md §P15.10): the
// attempt, the transcript hash and one Ed25519 endorsement per trustee of (election hash, attempt, transcript hash,
// the key's digest). The booth checks the endorsements, so a phone knows every trustee vouches for the key it
// encrypts to; the transcript itself (ceremony.jsonl, about a megabyte at 3072 bits) is the auditor's, not the
// phone's. A key without `ceremony` was made by a dealer.
import { concat, EncodingError, hash, uint, utf8 } from "./bytes.ts";
import { signatureHolds } from "./ed25519.ts";
import { hexBytes, type ElectionDefinition } from "./election.ts";
import { canonical, exactKeys, getInt, getList, type JSONObject, type JSONValue } from "./encoding.ts";
import { InvalidStatement } from "./statements.ts";

const ENDORSEMENT_LABEL = utf8("linli/ceremony/endorsement/v1\0");
const KEY_LABEL = utf8("linli/ceremony/key/v1\0");

export interface KeyCeremony {
  readonly attempt: number;
  readonly transcript: Uint8Array;
  readonly endorsements: readonly Uint8Array[]; // trustee i's at i - 1
}

/** CeremonyRecord.from_json: exact fields, one 64-byte endorsement per trustee. */
export function ceremonyFromJson(value: JSONValue | undefined, trustees: number): KeyCeremony {
  const what = "key.published.ceremony";
  const obj = exactKeys(value, ["attempt", "endorsements", "transcript"], what);
  const attempt = getInt(obj, "attempt", what);
  if (attempt < 1 || attempt > 1 << 20) throw new EncodingError(`${what}.attempt: outside 1..${1 << 20}`);
  const items = getList(obj, "endorsements", what);
  if (items.length !== trustees) {
    throw new EncodingError(`${what}.endorsements: expected ${trustees} (one per trustee), got ${items.length}`);
  }
  const endorsements = items.map((s) => hexBytes(s, `${what}.endorsements`, 64));
  return { attempt, transcript: hexBytes(obj["transcript"], `${what}.transcript`, 32), endorsements };
}

/** voting.ceremony.key_digest: SHA-256 of the key itself (modulus proof, public key, test decryption). */
export function keyDigest(body: JSONObject): Uint8Array {
  const core: JSONObject = {
    modulus_proof: body["modulus_proof"]!,
    public_key: body["public_key"]!,
    test_decryption: body["test_decryption"]!,
  };
  return hash(concat(KEY_LABEL, canonical(core)));
}

/** CeremonyRecord.verify (§P15.10 step 3): InvalidStatement unless every trustee endorsed this key and transcript. */
export function verifyEndorsements(c: KeyCeremony, d: ElectionDefinition, electionHash: Uint8Array, key: Uint8Array): void {
  const message = concat(ENDORSEMENT_LABEL, electionHash, uint(c.attempt, 4), c.transcript, key);
  c.endorsements.forEach((signature, i) => {
    const trustee = d.trustees[i]!;
    if (!signatureHolds(trustee.key, message, signature)) {
      throw new InvalidStatement(
        `key.published: trustee ${trustee.index} (${trustee.name}) did not endorse this key and transcript: ` +
          "Ed25519 signature does not verify",
      );
    }
  });
}
