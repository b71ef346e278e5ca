// Anonymous credentials on the phone (docs/protocol.md §P5.2.2): BBS blind issuance with a per-election pseudonym —
// the same protocol and the same JSON as voting/credentials.py, so a request made here is issued by the Python
// registrar, and a credential exported here imports in the CLI (and the reverse).
//
// Issuance, once per election, between the voter's device and the registrar (identity checked out of band):
//  1. the device draws its nym secret and blinding and commits to them (requestCredential, CommitWithNym): it keeps
//     the CredentialRequest (secret) and hands the registrar `request.registrarFile()` (the commitment only);
//  2. the registrar checks the commitment's proof and signs blindly (voting/credentials.py issue_credential);
//  3. the device verifies the signature and derives the final nym secrets (finishCredential, VerifyFinalizeWithNym).
// The credential's header binds it to one election instance ("linli/credential/v1\0" || election hash, §P2.3).
import * as bbs from "./bbs.ts";
import { BbsError } from "./bbs.ts";
import { prepareParameters } from "./bbs_blind.ts";
import * as nym from "./bbs_pseudonym.ts";
import { bytesToInt, concat, EncodingError, fromHex, intToFixed, toHex, utf8 } from "./bytes.ts";
import { VotingError } from "./election.ts";
import { exactKeys, getInt, getList, getStr, type JSONObject, type JSONValue } from "./encoding.ts";

/** voting.errors.NotEligible: no valid eligibility evidence (a request, a blind signature or a proof that fails).
 * (Python's NotEligible is an InvalidBallot; the booth has no InvalidBallot class yet, so it is a VotingError.) */
export class NotEligible extends VotingError {
  override name = "NotEligible";
}

export const CREDENTIAL_HEADER = utf8("linli/credential/v1\0");
export const BALLOT_CONTEXT = utf8("linli/ballot-pseudonym/v1\0");
export const NYM_LENGTH = 1; // N: one context (the election) per credential
const SCALAR = 32;

/** The file types of the CLI's keystore (client/keystore.py save_typed; client/cli.py). */
export const REQUEST_FILE = "linli-credential-request";
export const COMMITMENT_FILE = "linli-commitment";
export const ISSUED_FILE = "linli-issued-credential";
export const CREDENTIAL_FILE = "linli-anonymous-credential";

function checkHash(electionHash: Uint8Array): Uint8Array {
  if (electionHash.length !== 32) throw new EncodingError("the election hash is 32 bytes");
  return electionHash;
}

/** The BBS header of a credential: the election instance (SHA-256 of its election.created entry). */
export function credentialHeader(electionHash: Uint8Array): Uint8Array {
  return concat(CREDENTIAL_HEADER, checkHash(electionHash));
}

/** The credential's signed messages: the owner's exclusive area (0.01 m², 8 bytes big-endian) in an assembly
 * election, which the ballot discloses (§P5.2.7); nothing otherwise. */
export function weightMessages(weight: number): Uint8Array[] {
  if (!Number.isSafeInteger(weight) || weight < 0) throw new EncodingError("weight out of range");
  return weight ? [intToFixed(BigInt(weight), 8)] : [];
}

/** The pseudonym's context: the election instance (pseudonym draft §4, context_id). */
export function ballotContextId(electionHash: Uint8Array): Uint8Array {
  return concat(BALLOT_CONTEXT, checkHash(electionHash));
}

// voting/encoding.py hex_int / parse_hex_int: fixed-width (32-byte) lowercase hex of a non-negative integer.
const hexInt = (value: bigint): string => toHex(intToFixed(value, SCALAR));
const parseHexInt = (value: JSONValue | undefined, what: string): bigint => {
  if (typeof value !== "string") throw new EncodingError(`${what}: expected a hex string`);
  return bytesToInt(fromHex(value, what, SCALAR));
};
const parseHexBytes = (value: JSONValue | undefined, what: string, length?: number): Uint8Array => {
  if (typeof value !== "string") throw new EncodingError(`${what}: expected a hex string`);
  return fromHex(value, what, length);
};

/** Wrap a domain object's JSON with its type, as the CLI's files are ({"type": kind, "value": obj}). */
export function typedFile(kind: string, value: JSONObject): JSONObject {
  return { type: kind, value };
}

/** The value of a typed file of the given kind (client/keystore.py load_typed). */
export function fromTypedFile(obj: JSONValue, kind: string): JSONValue {
  const o = exactKeys(obj, ["type", "value"], "file");
  if (o["type"] !== kind) throw new EncodingError(`not a ${kind} file`);
  return o["value"]!;
}

/** The device's side of issuance: the commitment it shows, and the secrets it keeps (CredentialRequest). */
export class CredentialRequest {
  constructor(
    readonly electionId: string,
    readonly electionHash: Uint8Array,
    readonly commitment: Uint8Array,
    readonly proverNyms: readonly bigint[],
    readonly secretProverBlind: bigint,
  ) {}

  /** The request state kept on the device (secret): CredentialRequest.to_json. */
  toJson(): JSONObject {
    return {
      commitment: toHex(this.commitment),
      election: this.electionId,
      election_hash: toHex(this.electionHash),
      prover_nyms: this.proverNyms.map(hexInt),
      secret_prover_blind: hexInt(this.secretProverBlind),
    };
  }

  static fromJson(obj: JSONValue): CredentialRequest {
    const o = exactKeys(obj, ["commitment", "election", "election_hash", "prover_nyms", "secret_prover_blind"], "credential request");
    return new CredentialRequest(
      getStr(o, "election", "credential request"),
      parseHexBytes(o["election_hash"], "credential request.election_hash", 32),
      parseHexBytes(o["commitment"], "credential request.commitment"),
      getList(o, "prover_nyms", "request").map((x) => parseHexInt(x, "prover_nyms")),
      parseHexInt(o["secret_prover_blind"], "secret_prover_blind"),
    );
  }

  /** What the registrar gets (no secret): the `linli voter request-credential` output file. */
  registrarFile(): JSONObject {
    return { commitment: toHex(this.commitment), election: this.electionId, type: COMMITMENT_FILE };
  }
}

/** What the registrar hands back: the blind signature and its nym entropy (IssuedCredential). */
export class IssuedCredential {
  constructor(
    readonly signature: Uint8Array,
    readonly signerNymEntropy: bigint,
    readonly weight: number = 0,
  ) {}

  toJson(): JSONObject {
    return { signature: toHex(this.signature), signer_nym_entropy: hexInt(this.signerNymEntropy), weight: this.weight };
  }

  static fromJson(obj: JSONValue): IssuedCredential {
    const o = exactKeys(obj, ["signature", "signer_nym_entropy", "weight"], "issued credential");
    return new IssuedCredential(
      parseHexBytes(o["signature"], "issued credential.signature", 80),
      parseHexInt(o["signer_nym_entropy"], "signer_nym_entropy"),
      getInt(o, "weight", "issued credential"),
    );
  }
}

/** A finished credential on the device (AnonymousCredential); its export / import format is `toJson`. */
export class AnonymousCredential {
  constructor(
    readonly electionId: string,
    readonly electionHash: Uint8Array, // the election instance the credential is bound to (§P2.3)
    readonly issuerKey: Uint8Array, // the registrar's BBS public key (G2, 96 bytes)
    readonly signature: Uint8Array,
    readonly nymSecrets: readonly bigint[],
    readonly secretProverBlind: bigint,
    readonly weight: number = 0, // assembly: the owner's exclusive area (signed message 0, disclosed in every ballot)
  ) {}

  /** The pseudonym for the election's ballot context: the ballot's binding (§P5.2.3). */
  pseudonym(): Uint8Array {
    return nym.calculatePseudonym(ballotContextId(this.electionHash), [...this.nymSecrets]);
  }

  /** A BBS proof with pseudonym over presentation header `ph` -> [proof, pseudonym] (§P5.2.4). */
  prove(ph: Uint8Array): [Uint8Array, Uint8Array] {
    return nym.proofGenWithNym(
      this.issuerKey,
      this.signature,
      credentialHeader(this.electionHash),
      ph,
      [...this.nymSecrets],
      ballotContextId(this.electionHash),
      weightMessages(this.weight),
      [],
      this.weight ? [0] : [],
      [],
      this.secretProverBlind,
    );
  }

  toJson(): JSONObject {
    return {
      election: this.electionId,
      election_hash: toHex(this.electionHash),
      issuer_key: toHex(this.issuerKey),
      nym_secrets: this.nymSecrets.map(hexInt),
      secret_prover_blind: hexInt(this.secretProverBlind),
      signature: toHex(this.signature),
      weight: this.weight,
    };
  }

  /** Import: parse and re-verify the signature, so a corrupted backup is caught before voting. */
  static fromJson(obj: JSONValue): AnonymousCredential {
    const fields = ["election", "election_hash", "issuer_key", "nym_secrets", "secret_prover_blind", "signature", "weight"];
    const o = exactKeys(obj, fields, "credential");
    const nyms = getList(o, "nym_secrets", "credential");
    if (nyms.length !== NYM_LENGTH) throw new EncodingError(`credential: expected ${NYM_LENGTH} nym secret(s)`);
    const cred = new AnonymousCredential(
      getStr(o, "election", "credential"),
      parseHexBytes(o["election_hash"], "credential.election_hash", 32),
      parseHexBytes(o["issuer_key"], "credential.issuer_key", 96),
      parseHexBytes(o["signature"], "credential.signature", 80),
      nyms.map((x) => parseHexInt(x, "nym_secrets")),
      parseHexInt(o["secret_prover_blind"], "secret_prover_blind"),
      getInt(o, "weight", "credential"),
    );
    cred.check();
    return cred;
  }

  /** Verify the credential's signature over its nym secrets (throws NotEligible). */
  check(): void {
    try {
      const messages = weightMessages(this.weight);
      const [scalars, generators] = prepareParameters(
        messages,
        [],
        messages.length + 1,
        NYM_LENGTH + 1,
        this.secretProverBlind,
        nym.API_ID,
      );
      scalars.push(...this.nymSecrets);
      const header = concat(credentialHeader(this.electionHash), bbs.i2osp(NYM_LENGTH, 8));
      bbs.coreVerify(this.issuerKey, this.signature, generators, header, scalars, nym.API_ID);
    } catch (e) {
      if (e instanceof BbsError || e instanceof RangeError) {
        throw new NotEligible(`the credential's signature does not verify: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }
}

/** The backup / export file of a credential, as the CLI writes it (`linli voter finish-credential --out`). */
export function exportCredential(credential: AnonymousCredential): JSONObject {
  return typedFile(CREDENTIAL_FILE, credential.toJson());
}

/** Import a credential file written by the CLI or by exportCredential (re-verified). */
export function importCredential(file: JSONValue): AnonymousCredential {
  return AnonymousCredential.fromJson(fromTypedFile(file, CREDENTIAL_FILE));
}

/** Step 1, on the voter's device, for the election instance it has verified (§P12). */
export function requestCredential(electionId: string, electionHash: Uint8Array): CredentialRequest {
  const proverNyms = bbs.calculateRandomScalars(NYM_LENGTH);
  const [commitment, blind] = nym.commitWithNym([], proverNyms);
  return new CredentialRequest(electionId, checkHash(electionHash), commitment, proverNyms, blind);
}

/** Step 3, on the voter's device: verify the registrar's blind signature and derive the nym secrets. `issuerKey` is
 * the verified election's credential_key. Throws NotEligible. */
export function finishCredential(
  request: CredentialRequest,
  issuerKey: Uint8Array,
  issued: IssuedCredential,
): AnonymousCredential {
  let nymSecrets: bigint[];
  try {
    nymSecrets = nym.finalizeNymSignature(
      issuerKey,
      issued.signature,
      credentialHeader(request.electionHash),
      weightMessages(issued.weight),
      [],
      [...request.proverNyms],
      issued.signerNymEntropy,
      request.secretProverBlind,
    );
  } catch (e) {
    if (e instanceof BbsError || e instanceof RangeError) {
      throw new NotEligible(`the registrar's blind signature does not verify: ${e.message}`, { cause: e });
    }
    throw e;
  }
  return new AnonymousCredential(
    request.electionId,
    request.electionHash,
    issuerKey,
    issued.signature,
    nymSecrets,
    request.secretProverBlind,
    issued.weight,
  );
}
