// tests/booth/test_context_api.py: booth/src/crypto/api.ts against an in-memory Linli service (createRouterTransport,
// the binary Connect protocol end to end in one process) that answers from Python-made logs: open the election,
// cast (the server failing the first attempts), the receipt verified, then checked against the grown log.
import { readFileSync } from "node:fs";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { fromHex, toHex } from "../../src/crypto/bytes.ts";
import { Linli } from "../../src/gen/linli_pb.ts";
import { LinliApi, ServerRejected } from "../../src/crypto/api.ts";
import { receiptCode, receiptFile, receiptFromJson } from "../../src/crypto/receipt.ts";
import { BoothError } from "../../src/crypto/verify.ts";

interface Served {
  election_id: string;
  prefix: string;
  vkey: string;
  checkpoint: string;
  entries: string[];
  proofs: Record<string, string[]>; // "size1-size2" -> the server's consistency proof
}
interface Input {
  before: Served;
  after: Served;
  ballot: string; // the canonical ballot JSON the booth casts
  receipt: { leaf_index: number; tree_size: number; leaf_hash: string; inclusion_proof: string[]; checkpoint: string };
  fail_casts: number; // the server is unavailable for this many cast attempts
  fingerprint: string;
  earlier_receipt: unknown; // a receipt of this voter's earlier ballot (Receipt.to_json)
}

const input = JSON.parse(readFileSync(0, "utf8")) as Input;
let served = input.before;
let casts = 0;

const transport = createRouterTransport(({ service }) => {
  service(Linli, {
    getServerInfo: () => ({ version: "test", logOriginPrefix: served.prefix, verifierKey: served.vkey }),
    getCheckpoint: (req) => {
      if (req.electionId !== served.election_id) throw new ConnectError(`no election ${req.electionId}`, Code.NotFound);
      return { note: fromHex(served.checkpoint) };
    },
    getEntries: (req) => {
      const start = Number(req.start);
      return { entries: served.entries.slice(start, start + 1000).map((e) => fromHex(e)), treeSize: BigInt(served.entries.length) };
    },
    getConsistencyProof: (req) => {
      const proof = served.proofs[`${req.size1}-${req.size2}`];
      if (proof === undefined) throw new ConnectError("no such proof", Code.OutOfRange);
      return { size1: req.size1, size2: req.size2, proof: proof.map((p) => fromHex(p)) };
    },
    castBallot: (req) => {
      casts++;
      if (casts <= input.fail_casts) throw new ConnectError("the server went away", Code.Unavailable);
      if (toHex(req.ballot) !== input.ballot) throw new ConnectError("not the expected ballot", Code.InvalidArgument);
      served = input.after; // the ballot is in the log now
      const r = input.receipt;
      return {
        electionId: req.electionId,
        leafIndex: BigInt(r.leaf_index),
        leafHash: fromHex(r.leaf_hash),
        treeSize: BigInt(r.tree_size),
        inclusionProof: r.inclusion_proof.map((p) => fromHex(p)),
        checkpoint: fromHex(r.checkpoint),
      };
    },
  });
});

function failure(e: unknown): unknown {
  if (e instanceof ServerRejected) return { error: e.name, code: e.code };
  if (e instanceof BoothError) return { error: e.name, reason: (e as unknown as { reason?: string }).reason ?? null };
  throw e;
}

async function main(): Promise<unknown> {
  const api = new LinliApi(transport, { castRetries: 2 });
  const expected = { fingerprint: input.fingerprint, minModulusBits: 1024 };
  const out: Record<string, unknown> = {};
  try {
    await api.openElection("no-such-election", expected);
  } catch (e) {
    out["unknown_election"] = failure(e);
  }
  const election = await api.openElection(input.before.election_id, expected);
  out["before"] = { phase: election.view.phase, size: election.checkpoint.sizeNumber, logKey: election.logKey };
  try {
    const receipt = await api.castBallot(election, fromHex(input.ballot));
    out["casts"] = casts;
    out["receipt"] = receiptFile(receipt);
    out["code"] = receiptCode(receipt.leafHash);
    const again = await api.checkReceipt(receipt, { ...expected, logKey: election.logKey, checkpoint: election.checkpointNote });
    out["check"] = { size: again.status.checkpoint.sizeNumber, superseded_by: again.status.supersededBy };
    const earlier = await api.checkReceipt(receiptFromJson(input.earlier_receipt as never), expected);
    out["earlier"] = { superseded_by: earlier.status.supersededBy };
  } catch (e) {
    out["casts"] = casts;
    out["cast_error"] = failure(e);
  }
  return out;
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (e) => {
    process.stderr.write(String((e as Error).stack ?? e));
    process.exit(1);
  },
);
