// tests/booth/test_context_network.py: booth/src/crypto/api.ts against a real `linli serve` app (Connect, binary,
// over HTTP/1.1 with the fetch of Node, as connect-web uses the browser's): open the election, cast a ballot, check
// the receipt and an earlier one; a second visit must extend the checkpoint stored at the first.
import { readFileSync } from "node:fs";
import { fromHex } from "../../src/crypto/bytes.ts";
import { connectTransport, LinliApi } from "../../src/crypto/api.ts";
import { receiptCode, receiptFile, receiptFromJson } from "../../src/crypto/receipt.ts";
import { BoothError } from "../../src/crypto/verify.ts";

interface Input {
  base_url: string;
  election_id: string;
  fingerprint: string;
  ballot: string;
  earlier_receipt: unknown;
  stale_checkpoint: string; // a checkpoint of another log under the same key: the second visit must refuse it
}

const input = JSON.parse(readFileSync(0, "utf8")) as Input;

async function main(): Promise<unknown> {
  const api = new LinliApi(connectTransport(input.base_url));
  const first = await api.openElection(input.election_id, { fingerprint: input.fingerprint, minModulusBits: 1024 });
  const pinned = { fingerprint: input.fingerprint, minModulusBits: 1024, logKey: first.logKey, checkpoint: first.checkpointNote };
  const receipt = await api.castBallot(first, fromHex(input.ballot));
  const checked = await api.checkReceipt(receipt, pinned);
  const earlier = await api.checkReceipt(receiptFromJson(input.earlier_receipt as never), pinned);
  let stale: unknown = null;
  try {
    await api.openElection(input.election_id, { ...pinned, checkpoint: fromHex(input.stale_checkpoint) });
  } catch (e) {
    if (!(e instanceof BoothError)) throw e;
    stale = { error: e.name, reason: (e as unknown as { reason: string }).reason };
  }
  return {
    first: { phase: first.view.phase, size: first.checkpoint.sizeNumber, ballots: first.view.ballots.size },
    receipt: receiptFile(receipt),
    code: receiptCode(receipt.leafHash),
    checked: { size: checked.status.checkpoint.sizeNumber, superseded_by: checked.status.supersededBy },
    earlier: { superseded_by: earlier.status.supersededBy },
    stale,
  };
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (e) => {
    process.stderr.write(String((e as Error).stack ?? e));
    process.exit(1);
  },
);
