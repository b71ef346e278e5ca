// Election definitions and the election context every proof is bound to (docs/protocol.md §P1–§P3): the TS mirror
// of voting/election.py (ElectionDefinition.from_json, key_from_json, ElectionContext, fingerprint) and of the
// kinds' ballot layout (voting/kinds/: layout, sum_allowed, counter_bits). Parsing is as strict as Python's: exact
// keys, types, widths and the definition's rules; what Python refuses is refused here.
//
// Not here: the entries' signatures and authors (the caller verifies the log first, then calls electionContext),
// and the key's modulus proof, which is parsed (widths, counts) but not verified here (crypto/threshold.verify_modulus;
// log.ts verifies it), and the test decryption's share proofs (parsed, not verified: the server and `linli verify`
// check them; the booth checks the key's structure, θ, C_0 ≡ 1 mod n and the commitments against the verification keys).
import { BASE32, base32, bitLength, bytesToInt, EncodingError, fromHex, hash, toHex, utf8 } from "./bytes.ts";
import { asObject, exactKeys, getBool, getInt, getList, getStr, parseCanonical, type JSONObject, type JSONValue } from "./encoding.ts";
import { CosignerVerifier } from "./note.ts";
import { Transcript } from "./transcript.ts";
import { gcd, powmod } from "./arith.ts";

/** voting.election.MAX_WITNESSES (§P17.1). */
export const MAX_WITNESSES = 32;

/** voting/errors.py VotingError: the base of the booth's domain errors (encoding errors are bytes.ts EncodingError,
 *  Python's InvalidEncoding). */
export class VotingError extends Error {
  override name = "VotingError";
}

/** voting.errors.InvalidElection: a definition or key that breaks the rules. */
export class InvalidElection extends VotingError {
  override name = "InvalidElection";
}

/** voting.errors.InvalidBallot: a ballot (or its opening) whose proofs or encoding do not hold. */
export class InvalidBallot extends VotingError {
  override name = "InvalidBallot";
}

/** voting.errors.NotEligible: no valid eligibility evidence. */
export class NotEligible extends InvalidBallot {
  override name = "NotEligible";
}

export const DEFAULT_MAX_VOTERS = 100_000;
export const MAX_OPTIONS = 30; // voting/kinds/base.py MAX_OPTIONS (= election.MAX_CANDIDATES)
export const REFERENDUM_OPTIONS = ["yes", "no", "abstain"] as const;
export const AREA_COUNTER_BITS = 40; // voting/kinds/assembly.py
export const KINDS = ["approval", "assembly", "committee", "referendum"] as const; // voting/kinds, sorted
export type KindName = (typeof KINDS)[number];
export type EligibilityMode = "signing" | "anonymous";
export type RevotePolicy = "last" | "refuse";

const FORMAT_VERSION = 1; // voting/records.py
const MODULUS_PROOF_ROUNDS = 8; // crypto/modulus.py GRSB_ROUNDS
const MODULUS_PROOF_BLUM_ROUNDS = 128; // crypto/modulus.py BLUM_ROUNDS
const MAX_PARTIES = 1024; // crypto/threshold.py

const ID = /^[a-z0-9][a-z0-9-]{2,63}$/u;

export interface Trustee {
  readonly index: number;
  readonly name: string;
  readonly key: Uint8Array;
}

export interface ElectionDefinition {
  readonly electionId: string;
  readonly kind: KindName;
  readonly title: string;
  readonly question: string;
  readonly description: string;
  readonly options: readonly string[];
  readonly eligibility: EligibilityMode;
  readonly revote: RevotePolicy;
  readonly threshold: number;
  readonly trustees: readonly Trustee[];
  readonly adminKey: Uint8Array;
  readonly registrarKey: Uint8Array;
  readonly modulusBits: number;
  readonly maxVoters: number;
  readonly opensAt: number;
  readonly closesAt: number;
  readonly credentialKey: Uint8Array;
  readonly seats: number;
  readonly major: boolean;
  readonly acceptAreaDisclosure: boolean;
  /** §P17.1: the witnesses that cosign the log, and how many a checkpoint needs (none: the log's signature alone). */
  readonly witnesses: readonly CosignerVerifier[];
  readonly witnessQuorum: number;
}

/** crypto.threshold.ThresholdPublicKey (structure checked as ThresholdPublicKey.validate does, and the Feldman
 *  commitments against the verification keys as crypto.threshold.verify_commitments does). */
export interface ThresholdPublicKey {
  readonly n: bigint;
  readonly threshold: number;
  readonly parties: number;
  readonly theta: bigint;
  readonly commitments: readonly bigint[];
  readonly verificationKeys: readonly bigint[];
}

export interface ElectionContext {
  readonly definition: ElectionDefinition;
  readonly publicKey: ThresholdPublicKey;
  readonly electionHash: Uint8Array; // SHA-256 of the canonical election.created entry
  readonly keyHash: Uint8Array; // SHA-256 of the canonical key.published entry
  readonly electionId: string;
  /** The allowed plaintexts of each ciphertext of a ballot (§P4), from the election's kind. */
  readonly contestAllowed: readonly (readonly bigint[])[];
  /** What the product of a ballot's ciphertexts may encrypt (committee: 0..seats); empty: no sum proof. */
  readonly sumAllowed: readonly bigint[];
}

// -- field parsing (voting/election.py _text, _count; voting/encoding.py parse_hex_*) -----------------------------

const codePoints = (s: string): number => [...s].length; // Python's len() of a str

function text(obj: JSONObject, key: string, what: string, maxLen: number, allowEmpty = false): string {
  const value = getStr(obj, key, what);
  const len = codePoints(value);
  if ((len === 0 && !allowEmpty) || len > maxLen) throw new EncodingError(`${what}.${key}: must be 1..${maxLen} characters`);
  for (const ch of value) {
    if (ch.codePointAt(0)! < 0x20 && ch !== "\n") throw new EncodingError(`${what}.${key}: control characters are not allowed`);
  }
  return value;
}

function count(obj: JSONObject, key: string, what: string, lo: number, hi: number): number {
  const value = getInt(obj, key, what);
  if (value < lo || value > hi) throw new EncodingError(`${what}.${key}: must be in [${lo}, ${hi}], got ${value}`);
  return value;
}

export function hexBytes(value: JSONValue | undefined, what: string, length?: number): Uint8Array {
  if (typeof value !== "string") throw new EncodingError(`${what}: expected a hex string`);
  return fromHex(value, what, length);
}

export function hexInt(value: JSONValue | undefined, what: string, width: number): bigint {
  return bytesToInt(hexBytes(value, what, width));
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new EncodingError(`${what}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

// -- kinds (voting/kinds/*.py): definition rules, counters, layout -------------------------------------------------

function checkNamedOptions(kind: string, options: readonly string[]): void {
  if (options.length < 2 || options.length > MAX_OPTIONS || new Set(options).size !== options.length) {
    throw new InvalidElection(`a ${kind} has 2..${MAX_OPTIONS} distinct options`);
  }
  if (options.some((o) => codePoints(o) < 1 || codePoints(o) > 100)) throw new InvalidElection("option names are 1-100 characters");
}

const isReferendumOptions = (options: readonly string[]): boolean =>
  options.length === 3 && options.every((o, i) => o === REFERENDUM_OPTIONS[i]);

function checkKind(d: ElectionDefinition): void {
  const noMajor = (): void => {
    if (d.major) throw new InvalidElection("only homeowners' assembly decisions are major or ordinary matters");
  };
  const noSeats = (): void => {
    if (d.seats) throw new InvalidElection("only committee elections have seats");
  };
  switch (d.kind) {
    case "referendum":
    case "assembly":
      if (!isReferendumOptions(d.options)) {
        throw new InvalidElection(`a${d.kind === "assembly" ? "n" : ""} ${d.kind} has the options ('yes', 'no', 'abstain')`);
      }
      noSeats();
      if (d.kind === "referendum") noMajor();
      return;
    case "committee":
      checkNamedOptions("committee election", d.options);
      if (!(1 <= d.seats && d.seats < d.options.length)) {
        throw new InvalidElection("a committee election fills 1 <= seats < candidates (差额选举)");
      }
      noMajor();
      return;
    case "approval":
      checkNamedOptions(d.kind, d.options);
      noSeats();
      noMajor();
      return;
  }
}

/** Kind.counter_bits: bits per packed counter (§P4, §P7.2). */
export function counterBits(d: ElectionDefinition): number {
  const heads = bitLength(BigInt(d.maxVoters));
  return d.kind === "assembly" ? Math.max(heads, AREA_COUNTER_BITS) : heads;
}

/** Kind.counter_count: counters packed in the tally (§P7). */
export function counterCount(d: ElectionDefinition): number {
  return d.kind === "assembly" ? 2 * d.options.length : d.options.length;
}

/** Kind.weighted: ballots carry their owner's exclusive area as a public weight. */
export const isWeighted = (d: ElectionDefinition): boolean => d.kind === "assembly";

/** Kind.layout (§P4): referendum and assembly, one ciphertext of 2^(b·i); committee and approval, 0/1 per option. */
export function layout(d: ElectionDefinition): bigint[][] {
  if (d.kind === "referendum" || d.kind === "assembly") {
    const b = BigInt(counterBits(d));
    return [d.options.map((_, i) => 1n << (b * BigInt(i)))];
  }
  return d.options.map(() => [0n, 1n]);
}

/** Kind.sum_allowed: committee, 0..seats marks; the others, no sum proof. */
export function sumAllowed(d: ElectionDefinition): bigint[] {
  return d.kind === "committee" ? Array.from({ length: d.seats + 1 }, (_, i) => BigInt(i)) : [];
}

// -- the definition (ElectionDefinition.from_json and __post_init__) -------------------------------------------------

function trusteeFromJson(value: JSONValue | undefined): Trustee {
  const obj = exactKeys(value, ["index", "key", "name"], "trustee");
  return {
    index: count(obj, "index", "trustee", 1, 64),
    name: text(obj, "name", "trustee", 100),
    key: hexBytes(obj["key"], "trustee.key", 32),
  };
}

const DEFINITION_KEYS = [
  "accept_area_disclosure",
  "admin_key",
  "closes_at",
  "credential_key",
  "description",
  "election_id",
  "eligibility",
  "kind",
  "major",
  "max_voters",
  "modulus_bits",
  "opens_at",
  "options",
  "question",
  "registrar_key",
  "revote",
  "seats",
  "threshold",
  "title",
  "trustees",
];

export function definitionFromJson(value: JSONValue | undefined): ElectionDefinition {
  const what = "election";
  const obj = exactKeys(value, DEFINITION_KEYS, what, ["witness_quorum", "witnesses"]);
  // §P17.1: "witnesses" (cosigner vkeys) and "witness_quorum", both or neither; never an empty list.
  if (("witnesses" in obj) !== ("witness_quorum" in obj)) {
    throw new EncodingError("election: witnesses and witness_quorum come together (omit both for none)");
  }
  let witnesses: CosignerVerifier[] = [];
  let witnessQuorum = 0;
  if ("witnesses" in obj) {
    const vkeys = getList(obj, "witnesses", what);
    if (vkeys.length < 1 || vkeys.length > MAX_WITNESSES || !vkeys.every((v) => typeof v === "string" && v.length <= 400)) {
      throw new EncodingError(`election.witnesses: 1..${MAX_WITNESSES} witness verifier keys (omit it for none)`);
    }
    try {
      witnesses = (vkeys as string[]).map((v) => CosignerVerifier.fromVkey(v));
    } catch (e) {
      throw new EncodingError(`election.witnesses: ${(e as Error).message}`);
    }
    witnessQuorum = count(obj, "witness_quorum", what, 1, MAX_WITNESSES);
  }
  const kindName = getStr(obj, "kind", what);
  if (!(KINDS as readonly string[]).includes(kindName)) {
    throw new EncodingError(`unknown election kind ${JSON.stringify(kindName)}; kinds: ${KINDS.join(", ")}`);
  }
  const eligibility = oneOf(getStr(obj, "eligibility", what), ["signing", "anonymous"] as const, what);
  const revote = oneOf(getStr(obj, "revote", what), ["last", "refuse"] as const, what);
  const options = getList(obj, "options", what);
  if (!options.every((o) => typeof o === "string") || options.length > MAX_OPTIONS) {
    throw new EncodingError(`election.options: up to ${MAX_OPTIONS} strings`);
  }
  const trustees = getList(obj, "trustees", what);
  if (trustees.length < 1 || trustees.length > 64) throw new EncodingError("election.trustees: 1..64 trustees");
  const d: ElectionDefinition = {
    electionId: getStr(obj, "election_id", what),
    kind: kindName as KindName,
    title: text(obj, "title", what, 200),
    question: text(obj, "question", what, 4000),
    description: text(obj, "description", what, 20000, true),
    options: options as string[],
    eligibility,
    revote,
    threshold: count(obj, "threshold", what, 1, 64),
    trustees: trustees.map(trusteeFromJson),
    adminKey: hexBytes(obj["admin_key"], "election.admin_key", 32),
    registrarKey: hexBytes(obj["registrar_key"], "election.registrar_key", 32),
    modulusBits: count(obj, "modulus_bits", what, 1024, 8192),
    maxVoters: count(obj, "max_voters", what, 1, 10_000_000),
    opensAt: count(obj, "opens_at", what, 0, 2 ** 40),
    closesAt: count(obj, "closes_at", what, 0, 2 ** 40),
    credentialKey: hexBytes(obj["credential_key"], "election.credential_key"),
    seats: count(obj, "seats", what, 0, MAX_OPTIONS),
    major: getBool(obj, "major", what),
    acceptAreaDisclosure: getBool(obj, "accept_area_disclosure", what),
    witnesses,
    witnessQuorum,
  };
  checkDefinition(d);
  return d;
}

function checkDefinition(d: ElectionDefinition): void {
  if (!ID.test(d.electionId)) {
    throw new InvalidElection("election id must be 3-64 characters of a-z, 0-9 and '-', starting alphanumeric");
  }
  checkKind(d);
  const n = d.trustees.length;
  if (!(1 <= d.threshold && d.threshold <= n)) {
    throw new InvalidElection(`threshold must be between 1 and the number of trustees (${n})`);
  }
  if (d.trustees.some((t, i) => t.index !== i + 1)) throw new InvalidElection("trustees must be numbered 1..n in order");
  if (new Set(d.trustees.map((t) => toHex(t.key))).size !== n) throw new InvalidElection("every trustee needs its own key");
  if (d.modulusBits % 256 || d.modulusBits < 1024 || d.modulusBits > 8192) {
    throw new InvalidElection("modulus_bits must be a multiple of 256 between 1024 and 8192");
  }
  if (d.maxVoters < 1 || d.maxVoters > 10_000_000) throw new InvalidElection("max_voters must be between 1 and 10,000,000");
  if (counterCount(d) * counterBits(d) > d.modulusBits - 2) {
    throw new InvalidElection("the packed counters do not fit in the plaintext space");
  }
  if (d.opensAt < 0 || d.closesAt < 0 || (d.closesAt && d.closesAt <= d.opensAt)) {
    throw new InvalidElection("the voting window must end after it starts");
  }
  if (d.adminKey.length !== 32 || d.registrarKey.length !== 32) {
    throw new InvalidElection("admin and registrar keys are 32-byte Ed25519 public keys");
  }
  if ((d.eligibility === "anonymous") !== d.credentialKey.length > 0) {
    throw new InvalidElection("an anonymous election names the registrar's BBS key (credential_key); others do not");
  }
  if (d.credentialKey.length && d.credentialKey.length !== 96) {
    throw new InvalidElection("credential_key is a 96-byte compressed BLS12-381 G2 point");
  }
  if (d.acceptAreaDisclosure && !isWeighted(d)) {
    throw new InvalidElection("only a homeowners' assembly discloses areas (accept_area_disclosure)");
  }
  const w = d.witnesses.length;
  if (new Set(d.witnesses.map((x) => x.name)).size !== w || new Set(d.witnesses.map((x) => toHex(x.publicKey))).size !== w) {
    throw new InvalidElection("every witness needs its own name and its own key");
  }
  if (d.witnessQuorum < (w ? 1 : 0) || d.witnessQuorum > w) {
    throw new InvalidElection(`witness_quorum must be between 1 and the number of witnesses (${w})`);
  }
}

// -- the key (key_from_json, ThresholdPublicKey.validate, modulus_proof_from_json widths) ----------------------------

/** crypto.paillier.validate_ciphertext's test: 0 < c < n² and gcd(c, n) = 1. */
export const isCiphertext = (c: bigint, n: bigint): boolean => c > 0n && c < n * n && gcd(c, n) === 1n;

export function keyFromJson(value: JSONValue | undefined, d: ElectionDefinition): ThresholdPublicKey {
  const what = "public_key";
  const obj = exactKeys(value, ["commitments", "n", "parties", "theta", "threshold", "verification_keys"], what);
  const nb = d.modulusBits / 8;
  const threshold = count(obj, "threshold", what, 1, 64);
  const parties = count(obj, "parties", what, 1, 64);
  if (threshold !== d.threshold || parties !== d.trustees.length) {
    throw new InvalidElection("the key's threshold or number of parties differs from the election's");
  }
  const vks = getList(obj, "verification_keys", what);
  const commitments = getList(obj, "commitments", what);
  if (vks.length !== parties) throw new EncodingError(`public_key.verification_keys: expected ${parties} values, got ${vks.length}`);
  if (commitments.length !== threshold) {
    throw new EncodingError(`public_key.commitments: expected ${threshold} values, got ${commitments.length}`);
  }
  const pk: ThresholdPublicKey = {
    n: hexInt(obj["n"], "public_key.n", nb),
    threshold,
    parties,
    theta: hexInt(obj["theta"], "public_key.theta", nb),
    commitments: commitments.map((x) => hexInt(x, "public_key.commitments", 2 * nb)),
    verificationKeys: vks.map((x) => hexInt(x, "public_key.verification_keys", 2 * nb)),
  };
  if (pk.n < 3n || pk.n % 2n === 0n) {
    throw new InvalidElection("the published key is not well formed: Paillier modulus must be an odd integer > 1");
  }
  return pk;
}

/** ThresholdPublicKey.validate(modulus_bits), verify_commitments, and the state's size check (voting/state.py _key).
 *  The test decryption's share proofs are not re-verified here (the server checked them, `linli verify` does). */
function validateKey(pk: ThresholdPublicKey, modulusBits: number): void {
  const bad = (why: string): never => {
    throw new InvalidElection(`the published key is not well formed: ${why}`);
  };
  const bits = bitLength(pk.n);
  if (bits < modulusBits) bad(`modulus has ${bits} bits, at least ${modulusBits} required`);
  if (!(1 <= pk.threshold && pk.threshold <= pk.parties)) bad(`threshold ${pk.threshold} must satisfy 1 <= t <= l = ${pk.parties}`);
  if (pk.parties > MAX_PARTIES) bad(`at most ${MAX_PARTIES} trustees are supported`);
  if (pk.verificationKeys.length !== pk.parties) bad(`expected ${pk.parties} verification keys, got ${pk.verificationKeys.length}`);
  if (pk.commitments.length !== pk.threshold) bad(`expected ${pk.threshold} commitments, got ${pk.commitments.length}`);
  if (!(pk.theta > 0n && pk.theta < pk.n && gcd(pk.theta, pk.n) === 1n)) bad("theta must be a unit modulo n in (0, n)");
  pk.commitments.forEach((ck, k) => {
    if (!isCiphertext(ck, pk.n)) bad(`commitment C_${k} is not in Z*_(n²)`);
  });
  if (pk.commitments[0]! % pk.n !== 1n) bad("commitment C_0 is not 1 mod n: the shared secret is not a multiple of φ(n)");
  pk.verificationKeys.forEach((vi, i) => {
    if (!isCiphertext(vi, pk.n)) bad(`verification key v_${i + 1} is not in Z*_(n²)`);
  });
  const n2 = pk.n * pk.n;
  pk.verificationKeys.forEach((vi, i) => {
    // Feldman: v_i = ∏_k C_k^{i^k} mod n² (small public exponents)
    const index = BigInt(i + 1);
    let acc = 1n;
    pk.commitments.forEach((ck, k) => {
      acc = (acc * powmod(ck, index ** BigInt(k), n2)) % n2;
    });
    if (acc !== vi) bad(`verification key v_${i + 1} does not match the commitments`);
  });
  if (bits !== modulusBits) throw new InvalidElection(`the modulus has ${bits} bits, the election asks for ${modulusBits}`);
}

/** crypto/threshold.py response_bits: every honest share-proof response |z| < 2^bits (voting/tally.py _z_bytes). */
export function responseBits(modulusBits: number, threshold: number, parties: number): number {
  let factorial = 1n;
  for (let i = 2n; i <= BigInt(parties); i++) factorial *= i;
  const delta = bitLength(factorial);
  const lb = parties.toString(2).length;
  const h = Math.floor((parties - 1) / 2);
  const secret = 2 * modulusBits + 3 * 128 + 6 * delta + (parties + 2 * h + 4) * lb + 16;
  const commitment = secret + 2 * delta + 128;
  const share = commitment + 2 * lb + threshold.toString(2).length + (threshold - 1) * lb + 1;
  return share + delta + 2 * 128 + 1;
}

/** voting/statements.py KeyPublished.from_json's test_decryption: one share per trustee, exact fields and widths
 *  (the proofs are not verified here). */
function checkTestDecryption(value: JSONValue | undefined, pk: ThresholdPublicKey, modulusBits: number): void {
  const what = "key.published.test_decryption";
  if (!Array.isArray(value)) throw new EncodingError(`${what}: expected a list`);
  if (value.length !== pk.parties) throw new EncodingError(`${what}: expected ${pk.parties} shares, got ${value.length}`);
  const zb = Math.floor(responseBits(modulusBits, pk.threshold, pk.parties) / 8) + 1;
  for (const item of value) {
    const share = exactKeys(item, ["proof", "value"], "test decryption share");
    const proof = exactKeys(share["proof"], ["e", "z"], "test decryption share proof");
    hexBytes(proof["e"], "test decryption share proof e", 16);
    hexBytes(proof["z"], "test decryption share proof z", zb);
    hexBytes(share["value"], "test decryption share value", 2 * (modulusBits / 8));
  }
}

/** crypto/modulus.py fac_widths: byte widths of Π^fac's two's-complement integers and ring elements. */
function facWidths(modulusBits: number): Record<string, number> {
  const hat = 2048; // RSA-2048's bit length (the ring-Pedersen modulus)
  const le = 128 + 256; // FAC_L + FAC_EPSILON
  const bits: Record<string, number> = {
    sigma: 128 + modulusBits + hat,
    z: le + Math.floor((modulusBits + 1) / 2),
    w: le + 1 + hat,
    v: le + 1 + modulusBits + hat,
  };
  const out: Record<string, number> = {};
  for (const [k, b] of Object.entries(bits)) out[k] = Math.floor(b / 8) + 1;
  out["ring"] = hat / 8;
  return out;
}

/** voting/modulus_json.py modulus_proof_from_json: exact fields, counts and widths (the proof is not verified). */
function checkModulusProof(value: JSONValue | undefined, modulusBits: number): void {
  const what = "modulus_proof";
  const obj = exactKeys(value, ["blum", "fac", "sigmas"], what);
  const nb = modulusBits / 8;
  const widths = facWidths(modulusBits);
  const values = (parent: JSONObject, key: string, n: number, where: string): JSONValue[] => {
    const items = getList(parent, key, where);
    if (items.length !== n) throw new EncodingError(`${where}.${key}: expected ${n} values, got ${items.length}`);
    return items;
  };
  const sigmas = values(obj, "sigmas", MODULUS_PROOF_ROUNDS, what);
  const blum = exactKeys(asObject(obj["blum"], `${what}.blum`), ["a", "b", "w", "x"], `${what}.blum`);
  const xs = values(blum, "x", MODULUS_PROOF_BLUM_ROUNDS, `${what}.blum`);
  const facKeys = ["A", "B", "P", "Q", "T", "sigma", "v", "w1", "w2", "z1", "z2"];
  const fac = exactKeys(asObject(obj["fac"], `${what}.fac`), facKeys, `${what}.fac`);
  for (const name of ["A", "B", "P", "Q", "T"]) hexBytes(fac[name], `${what}.fac.${name}`, widths["ring"]);
  for (const s of sigmas) hexBytes(s, `${what}.sigmas`, nb);
  hexBytes(blum["w"], `${what}.blum.w`, nb);
  for (const x of xs) hexBytes(x, `${what}.blum.x`, nb);
  hexBytes(blum["a"], `${what}.blum.a`, MODULUS_PROOF_BLUM_ROUNDS / 8);
  hexBytes(blum["b"], `${what}.blum.b`, MODULUS_PROOF_BLUM_ROUNDS / 8);
  const signed: [string, string][] = [["sigma", "sigma"], ["z1", "z"], ["z2", "z"], ["w1", "w"], ["w2", "w"], ["v", "v"]];
  for (const [name, width] of signed) hexBytes(fac[name], `${what}.fac.${name}`, widths[width]);
}

// -- entries (voting/records.py Entry.from_json; voting/statements.py ElectionCreated, KeyPublished) ----------------

function entryBody(data: Uint8Array, kind: string): { electionId: string; body: JSONObject } {
  const obj = exactKeys(parseCanonical(data, "entry"), ["author", "body", "election", "kind", "signature", "v"], "entry");
  if (getInt(obj, "v", "entry") !== FORMAT_VERSION) throw new EncodingError(`entry.v: unsupported format version ${String(obj["v"])}`);
  const entryKind = getStr(obj, "kind", "entry");
  if (entryKind !== kind) throw new EncodingError(`expected a ${kind} entry, got ${JSON.stringify(entryKind)}`);
  const electionId = getStr(obj, "election", "entry");
  const body = obj["body"];
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new EncodingError("entry.body: expected an object");
  // Both are admin statements: signed by their author (whose key and signature the caller verified).
  if (obj["author"] === null || obj["signature"] === null) throw new EncodingError(`a ${kind} statement must be signed by its author`);
  const author = exactKeys(obj["author"], ["index", "key", "role"], "author");
  const role = getStr(author, "role", "author");
  if (!["admin", "registrar", "trustee"].includes(role)) throw new EncodingError(`author: ${JSON.stringify(role)} is not a role`);
  const index = getInt(author, "index", "author");
  if ((role === "trustee") !== index > 0 || index < 0 || index > 64) {
    throw new EncodingError("author.index: a trustee index in 1..64, 0 for other roles");
  }
  hexBytes(author["key"], "author.key", 32);
  hexBytes(obj["signature"], "entry.signature", 64);
  if (role !== "admin") throw new InvalidElection(`a ${kind} statement must come from the admin`);
  return { electionId, body };
}

/** The context of an election from its election.created and key.published entries (canonical log bytes): the
 *  definition, the key, the election hash and the key hash (voting/state.py _created, _key; §P3). */
export function electionContext(createdEntry: Uint8Array, keyEntry: Uint8Array): ElectionContext {
  const created = entryBody(createdEntry, "election.created");
  const definition = definitionFromJson(created.body["election"]);
  exactKeys(created.body, ["election"], "election.created");
  if (definition.electionId !== created.electionId) throw new InvalidElection("the definition's election id differs from the entry's");
  const electionHash = hash(createdEntry);

  const keyed = entryBody(keyEntry, "key.published");
  if (keyed.electionId !== definition.electionId) {
    throw new InvalidElection(`entry for election ${JSON.stringify(keyed.electionId)} in the log of another election`);
  }
  const body = exactKeys(keyed.body, ["election_hash", "modulus_proof", "public_key", "test_decryption"], "key.published", [
    "ceremony", // a ceremony's key (§P15.10): checked by log.ts with the endorsements
  ]);
  const bound = hexBytes(body["election_hash"], "key.published.election_hash", 32);
  if (toHex(bound) !== toHex(electionHash)) {
    throw new InvalidElection("key.published is signed for another election instance (election hash differs)");
  }
  const publicKey = keyFromJson(body["public_key"], definition);
  checkModulusProof(body["modulus_proof"], definition.modulusBits);
  checkTestDecryption(body["test_decryption"], publicKey, definition.modulusBits);
  validateKey(publicKey, definition.modulusBits);
  return {
    definition,
    publicKey,
    electionHash,
    keyHash: hash(keyEntry),
    electionId: definition.electionId,
    contestAllowed: layout(definition),
    sumAllowed: sumAllowed(definition),
  };
}

/** ElectionContext.proof_context: the 32-byte context a proof's transcript absorbs. */
export function proofContext(ctx: ElectionContext, purpose: string, ...parts: Uint8Array[]): Uint8Array {
  const t = new Transcript("linli/context");
  t.appendStr("election_id", ctx.electionId);
  t.appendBytes("election_hash", ctx.electionHash);
  t.appendBytes("key_hash", ctx.keyHash);
  t.appendStr("purpose", purpose);
  parts.forEach((part, i) => t.appendBytes(`part${i}`, part));
  return t.challengeBytes("context", 32);
}

// -- the fingerprint (§P12; voting.election.fingerprint, parse_fingerprint) -----------------------------------------

const FINGERPRINT_DOMAIN = utf8("linli/fingerprint/v1\x00");
const FINGERPRINT_CHARS = 20;
const groups = (compact: string): string => compact.match(/.{5}/g)!.join("-");

/** The election's short fingerprint, e.g. K7QXM-2D4NA-WB6RT-YH3CE: 100 bits of a domain-separated hash. */
export function fingerprint(electionHash: Uint8Array): string {
  if (electionHash.length !== 32) throw new RangeError("the election hash is 32 bytes");
  const digest = hash(new Uint8Array([...FINGERPRINT_DOMAIN, ...electionHash]));
  return groups(base32(digest).slice(0, FINGERPRINT_CHARS));
}

/** A fingerprint as typed by a person (any case, spaces or dashes anywhere) in its canonical form. */
export function parseFingerprint(typed: string): string {
  const compact = [...typed.toUpperCase()].filter((ch) => !" -\t".includes(ch)).join("");
  if (compact.length !== FINGERPRINT_CHARS || [...compact].some((ch) => !BASE32.includes(ch))) {
    throw new EncodingError(`a fingerprint is ${FINGERPRINT_CHARS} characters of A-Z and 2-7, e.g. K7QXM-2D4NA-WB6RT-YH3CE`);
  }
  return groups(compact);
}
