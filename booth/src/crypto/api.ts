// The booth's client of the Linli service (wire/linli.proto) over Connect (@connectrpc/connect-web, binary format):
// a thin layer like client/api.py LinliClient. It only fetches and sends; every verification is verify.ts and
// receipt.ts, so what it returns has been checked there:
//   openElection  — GetServerInfo, GetCheckpoint, GetEntries page by page up to the checkpoint's size, the
//                   consistency proof from the checkpoint the booth stored last time; then verifyElection (§P12);
//   castBallot    — CastBallot, the receipt verified against its checkpoint and the ballot's own entry (§P10.3);
//                   retried with the same bytes when the transport fails (a retried ballot gets its receipt, §P11.4);
//   checkReceipt  — the election again, the consistency proof from the receipt's size; then receipt.ts checkReceipt.
// A server's error status is ServerRejected (client/errors.py ServerRejected: the gRPC code name, the message).
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Linli, type Receipt as ReceiptMessage } from "../gen/linli_pb.ts";
import { asObject, parseCanonical } from "./encoding.ts";
import { peekCheckpoint } from "./note.ts";
import { checkReceipt, checkReceiptWitnessed, type Receipt, type ReceiptStatus, verifyReceipt } from "./receipt.ts";
import { Entry } from "./statements.ts";
import { BoothError, type Expected, type Fetched, type VerifiedElection, verifyElection } from "./verify.ts";

/** The server answered with an error status: `code` as gRPC names it (NOT_FOUND, FAILED_PRECONDITION, ...). */
export class ServerRejected extends BoothError {
  override name = "ServerRejected";
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(`server refused (${code}): ${detail}`);
  }
}

/** Codes worth retrying a cast on: the request may not have arrived, or its answer was lost. */
const RETRYABLE = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Unknown, Code.Aborted, Code.Internal]);

const grpcName = (code: Code): string => Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();

/** The transport the booth uses against `linli serve` (same origin by default). */
export function connectTransport(baseUrl: string): Transport {
  return createConnectTransport({ baseUrl, useBinaryFormat: true });
}

export interface ApiOptions {
  readonly timeoutMs?: number;
  /** How many times a cast is sent again after a transport failure (the server answers a repeat with its receipt). */
  readonly castRetries?: number;
}

function receiptOf(r: ReceiptMessage): Receipt {
  const number = (x: bigint, what: string): number => {
    if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new ServerRejected("OUT_OF_RANGE", `${what} beyond 2^53`);
    return Number(x);
  };
  return {
    electionId: r.electionId,
    leafIndex: number(r.leafIndex, "leaf index"),
    leafHash: r.leafHash,
    treeSize: number(r.treeSize, "tree size"),
    inclusionProof: r.inclusionProof,
    checkpoint: r.checkpoint,
  };
}

export class LinliApi {
  private readonly client: Client<typeof Linli>;
  private readonly timeoutMs: number;
  private readonly castRetries: number;

  constructor(transport: Transport, options: ApiOptions = {}) {
    this.client = createClient(Linli, transport);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.castRetries = options.castRetries ?? 2;
  }

  private async call<T>(run: (opts: { timeoutMs: number }) => Promise<T>): Promise<T> {
    try {
      return await run({ timeoutMs: this.timeoutMs });
    } catch (e) {
      const err = ConnectError.from(e);
      throw new ServerRejected(grpcName(err.code), err.rawMessage);
    }
  }

  async serverInfo(): Promise<{ logOriginPrefix: string; verifierKey: string }> {
    const info = await this.call((o) => this.client.getServerInfo({}, o));
    return { logOriginPrefix: info.logOriginPrefix, verifierKey: info.verifierKey };
  }

  async checkpoint(electionId: string): Promise<Uint8Array> {
    return (await this.call((o) => this.client.getCheckpoint({ electionId }, o))).note;
  }

  /** §P17.3: the newest checkpoint with the election's quorum of cosignatures, or null while the server has none
   * (FAILED_PRECONDITION). Nothing is checked here: receipt.ts checkReceiptWitnessed counts the quorum. */
  async cosignedCheckpoint(electionId: string): Promise<Uint8Array | null> {
    try {
      return (await this.call((o) => this.client.getCheckpoint({ electionId, cosigned: true }, o))).note;
    } catch (e) {
      if (e instanceof ServerRejected && e.code === "FAILED_PRECONDITION") return null;
      throw e;
    }
  }

  /** The RFC 9162 inclusion proof of entry `index` in the tree of `size`. */
  async inclusion(electionId: string, index: number, size: number): Promise<Uint8Array[]> {
    const r = await this.call((o) => this.client.getInclusionProof({ electionId, leafIndex: BigInt(index), treeSize: BigInt(size) }, o));
    return r.proof;
  }

  /** Entries [0, size) page after page (the server serves at most 1000 a call); fewer if it stops early. */
  async entries(electionId: string, size: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    while (out.length < size) {
      const page = await this.call((o) => this.client.getEntries({ electionId, start: BigInt(out.length) }, o));
      if (!page.entries.length) break;
      out.push(...page.entries.slice(0, size - out.length));
    }
    return out;
  }

  /** The RFC 9162 consistency proof from size1 to size2 (empty where none is needed: 0 or equal sizes). */
  async consistency(electionId: string, size1: number, size2: number): Promise<Uint8Array[]> {
    if (size1 === 0 || size1 >= size2) return [];
    const r = await this.call((o) => this.client.getConsistencyProof({ electionId, size1: BigInt(size1), size2: BigInt(size2) }, o));
    return r.proof;
  }

  /** What verifyElection needs, as the server gives it (nothing checked here). */
  async fetchElection(electionId: string, previous?: Uint8Array): Promise<Fetched> {
    const serverInfo = await this.serverInfo();
    const checkpoint = await this.checkpoint(electionId);
    let size = 0;
    try {
      size = peekCheckpoint(checkpoint).sizeNumber; // only to size the requests: verifyElection checks the note
    } catch {
      return { electionId, serverInfo, checkpoint, entries: [] };
    }
    const entries = await this.entries(electionId, size);
    let previousConsistency: Uint8Array[] | undefined;
    if (previous !== undefined) {
      try {
        previousConsistency = await this.consistency(electionId, peekCheckpoint(previous).sizeNumber, size);
      } catch (e) {
        if (!(e instanceof ServerRejected)) throw e;
        previousConsistency = []; // no proof from this server: verifyElection refuses the fork or rollback
      }
    }
    return { electionId, serverInfo, checkpoint, entries, ...(previousConsistency ? { previousConsistency } : {}) };
  }

  /** §P12: fetch and verify; throws verify.ts's typed errors or ServerRejected. */
  async openElection(electionId: string, expected: Expected): Promise<VerifiedElection> {
    return verifyElection(await this.fetchElection(electionId, expected.checkpoint), expected);
  }

  /** Cast `ballot` (the canonical JSON of an encrypted ballot) in a verified election; returns the verified
   * receipt. A transport failure is retried with the same bytes: the server answers a repeat with the receipt of
   * the ballot it already holds, never a second ballot (§P11.4). */
  async castBallot(election: VerifiedElection, ballot: Uint8Array): Promise<Receipt> {
    const entry = Entry.unsigned("ballot", election.electionId, asObject(parseCanonical(ballot, "ballot"), "ballot")).toBytes();
    for (let attempt = 0; ; attempt++) {
      let answer: ReceiptMessage;
      try {
        answer = await this.client.castBallot({ electionId: election.electionId, ballot }, { timeoutMs: this.timeoutMs });
      } catch (e) {
        const err = ConnectError.from(e);
        if (attempt < this.castRetries && RETRYABLE.has(err.code)) continue;
        throw new ServerRejected(grpcName(err.code), err.rawMessage);
      }
      const receipt = receiptOf(answer);
      verifyReceipt(receipt, election.verifier, election.origin, entry);
      return receipt;
    }
  }

  /** §P10.3: the receipt's entry is still in today's log (inclusion at its size, consistency to the verified
   * checkpoint of today), and whether a later ballot of the same credential supersedes it. */
  async checkReceipt(receipt: Receipt, expected: Expected): Promise<{ election: VerifiedElection; status: ReceiptStatus }> {
    const election = await this.openElection(receipt.electionId, expected);
    const proof = await this.consistency(receipt.electionId, receipt.treeSize, election.checkpoint.sizeNumber);
    const status = checkReceipt(receipt, election, proof);
    if (!election.definition.witnesses.length) return { election, status };
    // §P17.4: only a checkpoint with the witnesses' quorum confirms the receipt.
    const note = await this.cosignedCheckpoint(receipt.electionId);
    let consistency: Uint8Array[] = [];
    let inclusion: Uint8Array[] = [];
    if (note !== null) {
      const size = peekCheckpoint(note).sizeNumber; // only to size the requests: checkReceiptWitnessed checks it
      if (size >= receipt.treeSize) {
        consistency = await this.consistency(receipt.electionId, receipt.treeSize, size);
        inclusion = await this.inclusion(receipt.electionId, receipt.leafIndex, size);
      }
    }
    const witnessed = checkReceiptWitnessed(receipt, election, note, consistency, inclusion);
    return { election, status: { ...status, witnesses: witnessed.status } };
  }
}
