// An election's log as a voter's device checks it: the port of the set-up part of voting/state.py (ElectionState,
// docs/protocol.md §P2) and of client/describe.py's LogView (§P12).
//
// `SetupState.apply` checks one set-up entry — election.created, roll.published, roll.corrected, key.published,
// credential.issued, credential.revoked, election.opened — against the state and records it only if every check
// passes, with the same rules the server and the verifier run: every statement signature and author, the instance
// binding and tree heads of §P2.3, the roll and issuance rules, the key and its modulus proof (§P3.4). The Python
// client replays exactly these entries (everything before the first ballot, client/api.py _replay_setup); the
// ballots' proofs and the tally are the verifier's business. `LogView` reads every entry up to a verified
// checkpoint: the phase the log reaches, each binding's ballots (re-votes, superseded receipts), the shares in.
//
// Errors: VotingError subclasses as voting/errors.py names them — InvalidElection (election.ts), InvalidStatement
// (statements.ts), WrongPhase, Conflict, NotFound, Precondition (here), NotEligible (credentials.ts), and
// EncodingError (bytes.ts) for InvalidEncoding.
import { AnonymousEvidence, verifyRevocation } from "./anonymous.ts";
import { BbsError, octetsToPubkey } from "./bbs.ts";
import { ceremonyFromJson, keyDigest, verifyEndorsements, type KeyCeremony } from "./ceremony.ts";
import { EncodingError, equalBytes, hash, toHex } from "./bytes.ts";
import {
  counterBits,
  definitionFromJson,
  electionContext,
  hexBytes,
  InvalidElection,
  isWeighted,
  VotingError,
  type ElectionContext,
  type ElectionDefinition,
} from "./election.ts";
import { exactKeys, getStr, type JSONValue } from "./encoding.ts";
import { leafHash, MerkleTree } from "./merkle.ts";
import { ModulusError, modulusProofFromJson, verifyModulus } from "./modulus.ts";
import {
  attestationFromJson,
  boundElectionHash,
  credentialIssuedFromJson,
  credentialRevokedFromJson,
  Entry,
  type EntryKind,
  InvalidStatement,
  type LogHead,
  type RollEntry,
  rollCorrectedFromJson,
  rollPublishedFromJson,
} from "./statements.ts";

export class WrongPhase extends VotingError {
  override name = "WrongPhase";
}
export class Conflict extends VotingError {
  override name = "Conflict";
}
export class NotFound extends VotingError {
  override name = "NotFound";
}
export class Precondition extends VotingError {
  override name = "Precondition";
}

export type Phase = "empty" | "created" | "keyed" | "open" | "closed" | "published";

/** The entries a voter's device replays through the rules (client/api.py _replay_setup stops at the first ballot;
 * here at the first entry of any other kind, see SetupState.accepts). */
export const SETUP_KINDS: ReadonlySet<EntryKind> = new Set<EntryKind>([
  "election.created",
  "roll.published",
  "roll.corrected",
  "key.published",
  "credential.issued",
  "credential.revoked",
  "election.opened",
]);

/** voting.kinds Kind.check_roll: an assembly's owners have an area; the other kinds' roll entries have none. */
function checkRoll(d: ElectionDefinition, areas: readonly number[]): void {
  if (isWeighted(d)) {
    if (areas.some((a) => a <= 0)) throw new InvalidElection("every owner on a homeowners' assembly roll needs an exclusive area");
  } else if (areas.some((a) => a !== 0)) {
    throw new InvalidElection("only a homeowners' assembly roll carries areas");
  }
}

/** voting/area_disclosure.py check_roll_disclosure (§P9.5): an anonymous assembly whose roll has an area held by one
 * owner only identifies votes, and opens only if the administrator accepted that in the definition. */
function checkRollDisclosure(d: ElectionDefinition, areas: readonly number[]): void {
  if (!isWeighted(d) || d.eligibility !== "anonymous" || d.acceptAreaDisclosure) return;
  if (areas.some((a) => a <= 0)) throw new RangeError("every owner has a positive area");
  const sizes = new Map<number, number>();
  for (const a of areas) sizes.set(a, (sizes.get(a) ?? 0) + 1);
  const unique = [...sizes.values()].filter((s) => s === 1).length;
  if (unique > 0) {
    throw new InvalidElection(
      `the areas of ${unique} of the ${areas.length} owners are unique on the roll: the ballots disclose them and the ` +
        "result publishes the area per option, so the vote of such an owner can be identified (docs/protocol.md " +
        "§P9.5); an anonymous assembly with this roll needs the administrator's explicit acceptance: create the " +
        "election with --accept-area-disclosure",
    );
  }
}

/** The state of an election after its set-up entries (voting.state.ElectionState, set-up part). Keys of the maps of
 * bytes are lowercase hex. */
export class SetupState {
  size = 0;
  phase: Phase = "empty";
  definition: ElectionDefinition | null = null;
  electionHash: Uint8Array = new Uint8Array(0);
  context: ElectionContext | null = null;
  definitionEntry: Uint8Array = new Uint8Array(0);
  keyEntry: Uint8Array = new Uint8Array(0);
  /** The key's ceremony, its endorsements checked (§P15.10); null: a dealer's key, or no key yet. */
  keyCeremony: KeyCeremony | null = null;
  readonly roll = new Map<string, RollEntry>(); // roll id -> entry, in roll order
  rollArea = 0;
  readonly issued = new Map<string, string>(); // roll id -> credential (hex; "" in anonymous mode), live issuances
  readonly credentials = new Map<string, string>(); // credential (hex) -> roll id, every key ever issued
  readonly issuanceIndex = new Map<string, number>(); // roll id -> leaf index of its live issuance
  readonly issuances = new Map<number, string>(); // leaf index of every issuance -> roll id
  readonly revoked = new Set<string>(); // bindings (credential keys, pseudonyms; hex) that never count
  readonly tree = new MerkleTree(); // the log so far (§P2.3 tree heads)

  /** `minModulusBits`: the smallest Paillier modulus this device accepts (the Python client's min_modulus_bits). */
  constructor(readonly minModulusBits = 3072) {}

  requireDefinition(): ElectionDefinition {
    if (this.definition === null) throw new WrongPhase("the log has no election definition");
    return this.definition;
  }

  /** Whether this entry kind is replayed through the rules (the set-up), once the log has a definition. */
  static accepts(kind: EntryKind): boolean {
    return SETUP_KINDS.has(kind);
  }

  /** Check `data` (canonical entry bytes) against the state and record it; throw and change nothing otherwise. */
  apply(data: Uint8Array): void {
    const entry = Entry.fromBytes(data);
    if (this.phase !== "empty" && entry.electionId !== this.requireDefinition().electionId) {
      throw new InvalidStatement(`entry for election ${JSON.stringify(entry.electionId)} in the log of another election`);
    }
    const handlers: Partial<Record<EntryKind, (e: Entry, data: Uint8Array) => () => void>> = {
      "election.created": (e, d) => this.created(e, d),
      "roll.published": (e) => this.rollPublished(e),
      "roll.corrected": (e) => this.rollCorrected(e),
      "key.published": (e, d) => this.key(e, d),
      "credential.issued": (e) => this.credential(e),
      "credential.revoked": (e) => this.revoke(e),
      "election.opened": (e) => this.opened(e),
    };
    const handler = handlers[entry.kind];
    if (handler === undefined) throw new WrongPhase(`a ${entry.kind} entry is not part of the set-up`);
    const commit = handler(entry, data);
    commit();
    this.tree.append(leafHash(data));
    this.size++;
  }

  private require(...phases: Phase[]): void {
    if (!phases.includes(this.phase)) {
      throw new WrongPhase(`the election is ${this.phase}; this needs it ${phases.join(" or ")}`);
    }
  }

  private checkAuthor(entry: Entry, key: Uint8Array, who: string): void {
    if (entry.author === null || !equalBytes(entry.author.key, key)) {
      throw new InvalidStatement(`${entry.kind} must be signed by the election's ${who}`);
    }
    entry.verifySignature();
  }

  /** §P2.3: the statement names this election instance and, where it attests to the log, a prefix of this log. */
  private checkBound(what: string, electionHash: Uint8Array, logHead: LogHead | null = null): void {
    if (!equalBytes(electionHash, this.electionHash)) {
      throw new InvalidStatement(`${what} is signed for another election instance (election hash differs)`);
    }
    if (logHead !== null) {
      if (logHead.size > this.size) {
        throw new InvalidStatement(`${what} names a tree head of size ${logHead.size}, beyond the log's ${this.size}`);
      }
      if (!equalBytes(this.tree.root(logHead.size), logHead.root)) {
        throw new InvalidStatement(`${what} names a tree head that is not a prefix of this log (split view)`);
      }
    }
  }

  private beforeOpening(what: string): void {
    if (this.phase === "open" || this.phase === "closed" || this.phase === "published") {
      throw new WrongPhase(`the election is ${this.phase}: ${what} only before it opens`);
    }
    this.require("created", "keyed");
  }

  private fitsCounters(d: ElectionDefinition, area: number): void {
    // §P7.2: the area counters must hold the roll's total area
    if (BigInt(area) >> BigInt(counterBits(d))) {
      throw new InvalidElection(
        `the roll's total area (${area} × 0.01 m²) does not fit the tally's ${counterBits(d)}-bit area counters`,
      );
    }
  }

  private created(entry: Entry, data: Uint8Array): () => void {
    this.require("empty");
    const body = entry.body;
    const definition = definitionFromJson(body["election"]);
    exactKeys(body, ["election"], "election.created");
    if (definition.electionId !== entry.electionId) throw new InvalidElection("the definition's election id differs from the entry's");
    if (definition.modulusBits < this.minModulusBits) {
      throw new InvalidElection(`modulus of ${definition.modulusBits} bits is below the minimum ${this.minModulusBits}`);
    }
    this.checkAuthor(entry, definition.adminKey, "administrator");
    if (definition.credentialKey.length) {
      try {
        octetsToPubkey(definition.credentialKey); // canonical, in G2, not the identity
      } catch (e) {
        if (!(e instanceof BbsError)) throw e;
        throw new InvalidElection(`credential_key is not a valid BBS public key: ${e.message}`);
      }
    }
    return () => {
      this.definition = definition;
      this.definitionEntry = data;
      this.electionHash = hash(data);
      this.phase = "created";
    };
  }

  private rollPublished(entry: Entry): () => void {
    this.require("created", "keyed");
    const d = this.requireDefinition();
    this.checkAuthor(entry, d.adminKey, "administrator");
    const roll = rollPublishedFromJson(entry.body);
    this.checkBound(entry.kind, roll.electionHash);
    const ids = roll.entries.map((r) => r.rollId);
    if (new Set(ids).size !== ids.length) throw new Conflict("roll batch lists a roll id twice");
    const again = ids.find((i) => this.roll.has(i));
    if (again !== undefined) throw new Conflict(`roll id ${JSON.stringify(again)} is already on the roll`);
    checkRoll(d, roll.entries.map((r) => r.area));
    if (this.roll.size + roll.entries.length > d.maxVoters) {
      throw new InvalidElection(`the roll would exceed the election's max_voters (${d.maxVoters})`);
    }
    const area = this.rollArea + roll.entries.reduce((s, r) => s + r.area, 0);
    this.fitsCounters(d, area);
    return () => {
      for (const r of roll.entries) this.roll.set(r.rollId, r);
      this.rollArea = area;
    };
  }

  private rollCorrected(entry: Entry): () => void {
    this.beforeOpening("the roll can be corrected");
    const d = this.requireDefinition();
    this.checkAuthor(entry, d.adminKey, "administrator");
    const correction = rollCorrectedFromJson(entry.body);
    this.checkBound(entry.kind, correction.electionHash);
    const old = this.roll.get(correction.rollId);
    const replacement = correction.replacement;
    if (old === undefined) throw new NotFound(`roll id ${JSON.stringify(correction.rollId)} is not on the roll`);
    if (this.issued.has(old.rollId)) {
      throw new Precondition(
        `roll id ${JSON.stringify(old.rollId)} has a live credential (entry ${this.issuanceIndex.get(old.rollId)}): the ` +
          "registrar must revoke it before the entry is corrected",
      );
    }
    if (replacement !== null && replacement.rollId === old.rollId && replacement.area === old.area) {
      throw new InvalidElection(`the correction of roll id ${JSON.stringify(old.rollId)} changes nothing`);
    }
    if (replacement !== null && replacement.rollId !== old.rollId && this.roll.has(replacement.rollId)) {
      throw new Conflict(`roll id ${JSON.stringify(replacement.rollId)} is already on the roll`);
    }
    if (replacement !== null) checkRoll(d, [replacement.area]);
    const area = this.rollArea - old.area + (replacement?.area ?? 0);
    this.fitsCounters(d, area);
    return () => {
      const corrected = [...this.roll.values()].flatMap((r) => (r.rollId !== old.rollId ? [r] : replacement ? [replacement] : []));
      this.roll.clear();
      for (const r of corrected) this.roll.set(r.rollId, r); // replaced in place: the roll keeps its order
      this.rollArea = area;
    };
  }

  private key(entry: Entry, data: Uint8Array): () => void {
    this.require("created");
    const d = this.requireDefinition();
    this.checkAuthor(entry, d.adminKey, "administrator");
    this.checkBound(entry.kind, boundElectionHash(entry.body, "key.published"));
    // the definition, the key's structure and sizes, the proof's widths (election.ts), then the proof (§P3.4)
    const context = electionContext(this.definitionEntry, data);
    const ceremony = "ceremony" in entry.body ? ceremonyFromJson(entry.body["ceremony"], d.trustees.length) : null;
    const proof = modulusProofFromJson(entry.body["modulus_proof"], d.modulusBits);
    try {
      verifyModulus(context.publicKey.n, proof, this.electionHash, d.modulusBits);
    } catch (e) {
      if (!(e instanceof ModulusError)) throw e;
      throw new InvalidElection(`the published key is not well formed: ${e.message}`);
    }
    // §P15.10 step 3: every trustee endorsed this key (its transcript is the auditor's: the record's ceremony.jsonl)
    if (ceremony) verifyEndorsements(ceremony, d, this.electionHash, keyDigest(entry.body));
    return () => {
      this.keyEntry = data;
      this.keyCeremony = ceremony;
      this.context = context;
      this.phase = "keyed";
    };
  }

  private credential(entry: Entry): () => void {
    this.require("created", "keyed", "open");
    const d = this.requireDefinition();
    this.checkAuthor(entry, d.registrarKey, "registrar");
    // anonymous issuance logs the roll entry only (§P5.2)
    const issuance = credentialIssuedFromJson(entry.body, d.eligibility === "anonymous");
    this.checkBound(entry.kind, issuance.electionHash);
    const { rollId } = issuance;
    const credential = toHex(issuance.credential);
    if (!this.roll.has(rollId)) throw new InvalidStatement(`roll id ${JSON.stringify(rollId)} is not on the roll`);
    if (this.issued.has(rollId)) {
      throw new Conflict(
        `a credential was already issued for roll id ${JSON.stringify(rollId)} (entry ${this.issuanceIndex.get(rollId)}); ` +
          "before the election opens the registrar may revoke it and issue another",
      );
    }
    if (credential && this.credentials.has(credential)) {
      throw new Conflict("this credential key was already issued (a revoked key is never issued again)");
    }
    const index = this.size;
    return () => {
      this.issued.set(rollId, credential);
      this.issuanceIndex.set(rollId, index);
      this.issuances.set(index, rollId);
      if (credential) this.credentials.set(credential, rollId);
    };
  }

  private revoke(entry: Entry): () => void {
    this.beforeOpening("a credential can be revoked");
    const d = this.requireDefinition();
    this.checkAuthor(entry, d.registrarKey, "registrar");
    const anonymous = d.eligibility === "anonymous";
    const revocation = credentialRevokedFromJson(entry.body, anonymous);
    const evidence = anonymous ? AnonymousEvidence.fromJson(revocation.evidence!) : null;
    this.checkBound(entry.kind, revocation.electionHash);
    const { rollId, issuance } = revocation;
    const issuedFor = this.issuances.get(issuance);
    if (issuedFor === undefined) throw new NotFound(`entry ${issuance} is not a credential issuance of this election`);
    if (issuedFor !== rollId) {
      throw new InvalidStatement(
        `the issuance at entry ${issuance} is for roll id ${JSON.stringify(issuedFor)}, not ${JSON.stringify(rollId)}`,
      );
    }
    if (this.issuanceIndex.get(rollId) !== issuance) throw new Conflict(`the issuance at entry ${issuance} was already revoked`);
    let binding = this.issued.get(rollId)!; // signing mode: the credential key
    if (evidence !== null) {
      binding = toHex(evidence.pseudonym);
      if (this.revoked.has(binding)) {
        throw new Conflict("the credential presented was already revoked (its pseudonym is refused already)");
      }
      verifyRevocation(d.credentialKey, this.electionHash, rollId, issuance, evidence);
    }
    return () => {
      this.issued.delete(rollId);
      this.issuanceIndex.delete(rollId);
      this.revoked.add(binding);
    };
  }

  private opened(entry: Entry): () => void {
    this.require("keyed");
    this.checkAuthor(entry, this.requireDefinition().adminKey, "administrator");
    const opened = attestationFromJson(entry.body, "election.opened");
    this.checkBound(entry.kind, opened.electionHash, opened.logHead);
    if (!this.roll.size) throw new WrongPhase("cannot open an election with an empty roll");
    // §P9.5: the roll is final once open
    checkRollDisclosure(this.requireDefinition(), [...this.roll.values()].map((r) => r.area));
    return () => {
      this.phase = "open";
    };
  }
}

// -- the log view (client/describe.py LogView) --------------------------------------------------------------------

const PHASE_AFTER: Partial<Record<EntryKind, Phase>> = {
  "election.created": "created",
  "key.published": "keyed",
  "election.opened": "open",
  "election.closed": "closed",
  result: "published",
};

/** The binding of a ballot's eligibility evidence (voting.eligibility SigningEvidence / AnonymousEvidence
 * .from_json(...).binding): the credential key, or the pseudonym. */
function ballotBinding(d: ElectionDefinition, evidence: JSONValue | undefined): Uint8Array {
  if (d.eligibility === "anonymous") return AnonymousEvidence.fromJson(evidence ?? null).pseudonym;
  const obj = exactKeys(evidence, ["credential", "mode", "signature"], "eligibility");
  if (getStr(obj, "mode", "eligibility") !== "signing") throw new EncodingError("eligibility.mode: this election uses signing credentials");
  hexBytes(obj["signature"], "eligibility.signature", 64);
  return hexBytes(obj["credential"], "eligibility.credential", 32);
}

export class LogMalformed extends VotingError {
  override name = "LogMalformed";
  constructor(
    readonly index: number,
    readonly reason: Error,
  ) {
    super(`entry ${index} of the log is malformed: ${reason.message}`);
  }
}

/** The log of one election as far as a verified checkpoint covers it (client/describe.py LogView): the phase its
 * entries reach, each binding's ballot entries in log order (keys: hex), and the number of decryption shares. */
export class LogView {
  private constructor(
    readonly phase: Phase,
    readonly ballots: ReadonlyMap<string, readonly number[]>,
    readonly shares: number,
  ) {}

  /** From entries the caller checked to hash to the checkpoint's root; throws LogMalformed. */
  static fromEntries(d: ElectionDefinition, entries: readonly Uint8Array[]): LogView {
    let phase: Phase = "empty";
    let shares = 0;
    const ballots = new Map<string, number[]>();
    entries.forEach((data, index) => {
      let entry: Entry;
      try {
        entry = Entry.fromBytes(data);
        if (entry.kind === "ballot") {
          const binding = toHex(ballotBinding(d, entry.body["eligibility"]));
          ballots.set(binding, [...(ballots.get(binding) ?? []), index]);
        }
      } catch (e) {
        if (e instanceof EncodingError || e instanceof VotingError || e instanceof BbsError) throw new LogMalformed(index, e);
        throw e;
      }
      if (entry.kind === "decryption.share") shares++;
      phase = PHASE_AFTER[entry.kind] ?? phase;
    });
    return new LogView(phase, ballots, shares);
  }

  /** The log indexes of `binding`'s ballots, in log order (the last one counts, §P6.6). */
  ballotsOf(binding: Uint8Array): readonly number[] {
    return this.ballots.get(toHex(binding)) ?? [];
  }

  /** The entry of the later ballot of the same binding that counts instead of the ballot at `index`, or null if
   * that ballot is its binding's last (or not a ballot). */
  supersededBy(index: number): number | null {
    for (const indexes of this.ballots.values()) {
      if (indexes.includes(index)) {
        const last = indexes[indexes.length - 1]!;
        return last !== index ? last : null;
      }
    }
    return null;
  }
}
