// What the booth checks before it shows or does anything (docs/protocol.md §P12): the port of client/api.py
// LinliClient.election, client/pins.py's comparisons and client/describe.py's log view, as pure functions over what
// the server returned (api.ts fetches it), so they are tested without a network.
//
// verifyElection(fetched, expected) — the steps, numbered as in the code below:
//   1. the log key is well formed and is the expected (pinned) one;
//   2. the latest checkpoint is signed by it and names this election's log (origin = prefix + election id);
//   3. it extends the checkpoint this booth verified on its last visit (RFC 9162 consistency: no rollback, no fork);
//   4. the set-up entries (definition, roll and its corrections, key and its modulus proof, issuances and
//      revocations, opening) are replayed through the election rules (log.ts SetupState);
//   5. the fetched entries are the log the checkpoint signs (its root, or a consistency proof to it);
//   6. the election's fingerprint equals the one the link or QR code carries (the notice board's);
//   7. the later entries are read for the phase, the ballots of each binding and the shares (log.ts LogView).
// It throws one of the typed errors below (client/errors.py's classes, with a precise `reason`) and never returns
// an election it has not checked.
import { EncodingError, equalBytes } from "./bytes.ts";
import { NotEligible } from "./credentials.ts";
import { type ElectionContext, type ElectionDefinition, fingerprint as fingerprintOf, parseFingerprint, VotingError } from "./election.ts";
import { leafHash, MerkleProofError, MerkleTree, verifyConsistency } from "./merkle.ts";
import { Checkpoint, NoteError, NoteVerifier, openCheckpoint, verifyCheckpointExtends } from "./note.ts";
import { LogMalformed, LogView, type Phase, SetupState } from "./log.ts";
import { Entry } from "./statements.ts";

/** client/errors.py ClientError: the base of what verification throws. */
export class BoothError extends Error {
  override name = "BoothError";
}

export type InvalidReason =
  | "log-key-malformed" // the server's log key does not parse
  | "wrong-election" // the server answered with another election's log
  | "setup-entry" // a set-up entry breaks the rules (signature, author, instance, roll, key, modulus proof, ...)
  | "no-definition" // the log has no election definition
  | "entries-missing" // the server stopped serving entries before the set-up's end
  | "log-malformed"; // a later entry (ballot, closing, ...) does not parse

/** ElectionInvalid: the election the server serves does not verify. `index`: the entry; `cause`: the rule's error
 * (a VotingError subclass as voting/errors.py names them, or EncodingError for InvalidEncoding). */
export class ElectionInvalid extends BoothError {
  override name = "ElectionInvalid";
  constructor(
    readonly reason: InvalidReason,
    message: string,
    readonly index: number | null = null,
    override readonly cause?: Error,
  ) {
    super(message);
  }
}

/** ElectionMismatch: a verified election or log key other than the expected (link) or pinned one. */
export class ElectionMismatch extends BoothError {
  override name = "ElectionMismatch";
  constructor(
    readonly reason: "fingerprint" | "log-key",
    message: string,
  ) {
    super(message);
  }
}

export type ReceiptReason =
  | "checkpoint-signature" // a checkpoint that is malformed or not signed by the log key
  | "checkpoint-origin" // a checkpoint of another log
  | "log-root" // the entries are not the log the checkpoint signs
  | "entries-missing" // fewer entries than the checkpoint covers, and no consistency proof for the rest
  | "rollback" // a checkpoint smaller than one verified before
  | "fork" // a checkpoint not consistent with one verified before
  | "receipt"; // a receipt whose fields, entry or inclusion proof do not hold

/** ReceiptInvalid: a receipt or checkpoint whose signature, inclusion or consistency proof does not hold. */
export class ReceiptInvalid extends BoothError {
  override name = "ReceiptInvalid";
  constructor(
    readonly reason: ReceiptReason,
    message: string,
    override readonly cause?: Error,
  ) {
    super(message);
  }
}

/** GetServerInfo's answer (wire/linli.proto ServerInfo). */
export interface ServerInfo {
  readonly logOriginPrefix: string;
  readonly verifierKey: string; // signed-note verifier key: name+keyid+base64
}

/** What the server returned for one election (api.ts fetchElection). */
export interface Fetched {
  readonly electionId: string;
  readonly serverInfo: ServerInfo;
  /** The latest signed checkpoint (GetCheckpoint). */
  readonly checkpoint: Uint8Array;
  /** The log's entries from 0 (GetEntries): all the checkpoint covers, or a prefix of them with `consistency`. */
  readonly entries: readonly Uint8Array[];
  /** RFC 9162 consistency proof from entries.length to the checkpoint's size, when fewer entries were fetched. */
  readonly consistency?: readonly Uint8Array[];
  /** RFC 9162 consistency proof from the size of `Expected.checkpoint` to this checkpoint's size. */
  readonly previousConsistency?: readonly Uint8Array[];
}

/** What the booth knows before it asks the server. */
export interface Expected {
  /** The fingerprint the link or QR code carries (from the notice board), in any case, with or without dashes. */
  readonly fingerprint: string;
  /** The log key pinned for this election (on first use: none). */
  readonly logKey?: string;
  /** The last checkpoint (signed note) this booth verified for this election: the log must extend it. */
  readonly checkpoint?: Uint8Array;
  /** The smallest Paillier modulus accepted (the Python client's min_modulus_bits, 3072 by default). */
  readonly minModulusBits?: number;
}

/** An election as the booth verified it (client/api.py ElectionSnapshot with the LogView). */
export interface VerifiedElection {
  readonly electionId: string;
  readonly origin: string;
  /** The log key, canonical (to pin). */
  readonly logKey: string;
  readonly verifier: NoteVerifier;
  /** The verified checkpoint and its signed note (to store: the next visit must extend it). */
  readonly checkpoint: Checkpoint;
  readonly checkpointNote: Uint8Array;
  readonly fingerprint: string;
  readonly electionHash: Uint8Array;
  readonly definition: ElectionDefinition;
  /** The verified context ballots are bound to (null before key.published): encrypt only to its key. */
  readonly context: ElectionContext | null;
  /** The phase the log reaches (the closing, the result included). */
  readonly phase: Phase;
  /** The set-up replayed through the rules: definition, context (null before the key), roll, issuances. */
  readonly state: SetupState;
  /** The phase, ballots per binding and shares of every fetched entry. */
  readonly view: LogView;
  /** Whether every entry the checkpoint covers was fetched (else the view covers a prefix only). */
  readonly complete: boolean;
  /** The fetched entries (canonical bytes), verified to be the checkpoint's log or a prefix of it. */
  readonly entries: readonly Uint8Array[];
}

/** §P12 step 1: parse the server's log key and compare it with the expected (pinned) one. */
export function logVerifier(info: ServerInfo, expectedKey?: string): NoteVerifier {
  let verifier: NoteVerifier;
  try {
    verifier = NoteVerifier.fromVkey(info.verifierKey);
  } catch (e) {
    throw new ElectionInvalid("log-key-malformed", `the server's log key is malformed: ${(e as Error).message}`, null, e as Error);
  }
  if (expectedKey !== undefined && verifier.toVkey() !== expectedKey) {
    throw new ElectionMismatch("log-key", "the server's log key is not the expected (pinned) one");
  }
  return verifier;
}

/** §P12 step 2: a checkpoint signed by the log key, of the log `origin`. */
export function openLogCheckpoint(note: Uint8Array, verifier: NoteVerifier, origin: string): Checkpoint {
  let cp: Checkpoint;
  try {
    cp = openCheckpoint(note, verifier);
  } catch (e) {
    throw new ReceiptInvalid("checkpoint-signature", `server checkpoint does not verify: ${(e as Error).message}`, e as Error);
  }
  if (cp.origin !== origin) throw new ReceiptInvalid("checkpoint-origin", "server checkpoint is for another log");
  return cp;
}

/** §P12 step 3 (and §P10.3 for receipts): `next` extends `old` — a smaller tree is a rollback, an inconsistent one
 * a fork. */
export function requireExtends(old: Checkpoint, next: Checkpoint, proof: readonly Uint8Array[]): void {
  if (next.size < old.size) {
    throw new ReceiptInvalid("rollback", `the log rolled back from ${old.size} entries to ${next.size}`);
  }
  try {
    verifyCheckpointExtends(old, next, proof);
  } catch (e) {
    if (!(e instanceof MerkleProofError)) throw e;
    throw new ReceiptInvalid("fork", `the log no longer contains the checkpoint verified before: ${e.message}`, e);
  }
}

/** §P12: verify the election before acting on it, and return it (see the steps at the top of this file). */
export function verifyElection(fetched: Fetched, expected: Expected): VerifiedElection {
  const { electionId } = fetched;
  // 1. the log key
  const verifier = logVerifier(fetched.serverInfo, expected.logKey);
  // 2. the latest checkpoint
  const origin = fetched.serverInfo.logOriginPrefix + electionId;
  const cp = openLogCheckpoint(fetched.checkpoint, verifier, origin);
  const size = cp.sizeNumber;
  // 3. the log extends what this booth verified before
  if (expected.checkpoint !== undefined) {
    const old = openLogCheckpoint(expected.checkpoint, verifier, origin);
    requireExtends(old, cp, fetched.previousConsistency ?? []);
  }
  // 4. the set-up entries, through the rules
  const entries = fetched.entries.slice(0, size);
  const state = new SetupState(expected.minModulusBits ?? 3072);
  let setupDone = false;
  for (const [i, data] of entries.entries()) {
    let entry: Entry;
    try {
      entry = Entry.fromBytes(data);
    } catch (e) {
      throw setupError(electionId, i, e);
    }
    if (!SetupState.accepts(entry.kind)) {
      setupDone = true; // the first ballot (or later entry): the set-up is over
      break;
    }
    if (i === 0 && entry.electionId !== electionId) {
      throw new ElectionInvalid("wrong-election", `the server answered with the log of election ${JSON.stringify(entry.electionId)}`, 0);
    }
    try {
      state.apply(data);
    } catch (e) {
      throw setupError(electionId, i, e);
    }
  }
  if (state.size === 0 || state.definition === null) {
    throw new ElectionInvalid("no-definition", `the log of election ${electionId} has no election definition`);
  }
  if (entries.length < size && !setupDone) {
    // every set-up entry must be seen (a revocation further on changes who may vote): the Python client reads on
    throw new ElectionInvalid("entries-missing", `the server stopped serving entries before the checkpoint's size (${entries.length} of ${size})`);
  }
  // 5. the entries are the checkpoint's log (or a prefix of it, with a consistency proof)
  const tree = MerkleTree.fromLeafHashes(entries.map(leafHash));
  try {
    if (entries.length === size) {
      if (!equalBytes(tree.root(), cp.rootHash)) throw new MerkleProofError("the entries do not hash to the checkpoint's root");
    } else if (fetched.consistency !== undefined) {
      verifyConsistency(entries.length, size, fetched.consistency, tree.root(), cp.rootHash);
    }
  } catch (e) {
    if (!(e instanceof MerkleProofError)) throw e;
    throw new ReceiptInvalid("log-root", `the election's entries are not in the log the checkpoint signs: ${e.message}`, e);
  }
  // 6. the fingerprint
  const fp = fingerprintOf(state.electionHash);
  let want: string;
  try {
    want = parseFingerprint(expected.fingerprint);
  } catch (e) {
    throw new ElectionMismatch("fingerprint", `the link's fingerprint is malformed: ${(e as Error).message}`);
  }
  if (fp !== want) {
    throw new ElectionMismatch(
      "fingerprint",
      `election ${electionId} has fingerprint ${fp}, not the expected ${want}: this is not the election on the notice board`,
    );
  }
  if (entries.length < size && fetched.consistency === undefined) {
    throw new ReceiptInvalid("entries-missing", `the log's entries do not hash to the signed checkpoint (${entries.length} of ${size} served)`);
  }
  // 7. the later entries: phase, ballots per binding, shares
  let view: LogView;
  try {
    view = LogView.fromEntries(state.definition, entries);
  } catch (e) {
    if (!(e instanceof LogMalformed)) throw e;
    throw new ElectionInvalid("log-malformed", e.message, e.index, e.reason);
  }
  return {
    electionId,
    origin,
    logKey: verifier.toVkey(),
    verifier,
    checkpoint: cp,
    checkpointNote: fetched.checkpoint,
    fingerprint: fp,
    electionHash: state.electionHash,
    definition: state.definition,
    context: state.context,
    phase: view.phase,
    state,
    view,
    complete: entries.length === size,
    entries,
  };
}

function setupError(electionId: string, index: number, e: unknown): Error {
  if (e instanceof VotingError || e instanceof EncodingError || e instanceof NotEligible) {
    return new ElectionInvalid("setup-entry", `election ${electionId} does not verify at entry ${index}: ${e.message}`, index, e);
  }
  return e as Error;
}

/** The binding's ballots in the verified log (re-vote detection before a cast, §P6.6). */
export function ballotsOf(election: VerifiedElection, binding: Uint8Array): readonly number[] {
  return election.view.ballotsOf(binding);
}
