// What the booth fetches before it verifies anything (verify.ts `Fetched`): the server's log key and origin, its
// latest signed checkpoint, the log's entries from 0 (paged), and the consistency proof from the checkpoint this
// phone verified last time. Nothing here is trusted: verifyElection checks all of it.
// (A thin adapter until src/crypto/api.ts, the context branch's connect-web client, offers the same fetch.)
import type { Fetched } from "../crypto/verify.ts";
import { call, type LinliClient } from "./rpc.ts";

const PAGE = 1000;

/** The size a signed note's checkpoint claims (line 2 of the body), unverified: only to ask for a proof. */
export function claimedSize(note: Uint8Array): number {
  const line = new TextDecoder().decode(note).split("\n")[1] ?? "";
  return /^[0-9]{1,15}$/.test(line) ? Number(line) : -1;
}

export async function fetchElection(
  api: LinliClient,
  electionId: string,
  previous?: Uint8Array,
  progress?: (fraction: number) => void,
): Promise<Fetched> {
  const info = await call("GetServerInfo", () => api.getServerInfo({}));
  const checkpoint = (await call("GetCheckpoint", () => api.getCheckpoint({ electionId }))).note;
  const size = claimedSize(checkpoint);
  const entries: Uint8Array[] = [];
  for (;;) {
    const page = await call("GetEntries", () => api.getEntries({ electionId, start: BigInt(entries.length), limit: BigInt(PAGE) }));
    entries.push(...page.entries);
    progress?.(size > 0 ? Math.min(1, entries.length / size) : 1);
    if (page.entries.length < PAGE || (size >= 0 && entries.length >= size)) break;
  }
  let previousConsistency: Uint8Array[] | undefined;
  const before = previous ? claimedSize(previous) : -1;
  if (before > 0 && size > before) {
    previousConsistency = (
      await call("GetConsistencyProof", () => api.getConsistencyProof({ electionId, size1: BigInt(before), size2: BigInt(size) }))
    ).proof;
  }
  return {
    electionId,
    serverInfo: { logOriginPrefix: info.logOriginPrefix, verifierKey: info.verifierKey },
    checkpoint,
    entries,
    previousConsistency,
  };
}
