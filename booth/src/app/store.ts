// What the booth keeps on the phone (IndexedDB, via idb): the elections it verified with their pins (fingerprint
// and log key, docs/protocol.md §P12: a later visit that sees another one refuses), the credential — its secret
// never leaves the phone except in a PIN-encrypted backup (backup.ts) —, the receipts, the ballot being cast (so a
// retry, even after a reload, resends the very same bytes, §P11.4) and the openings of audited ballots.
import { type DBSchema, type IDBPDatabase, openDB } from "idb";
import type { JSONObject, JSONValue } from "../crypto/encoding.ts";

export interface PinnedElection {
  electionId: string;
  fingerprint: string;
  logKey: string;
  checkpoint: Uint8Array; // the last checkpoint verified here: the log must extend it (no rollback, no fork)
  minModulusBits: number; // as the link set it (test keys: below the default)
  base: string; // the server the booth talks to for this election
  title: string;
  openedAt: number;
}

export interface StoredCredential {
  electionId: string;
  electionHash: string; // the instance the credential belongs to (hex)
  mode: "signing" | "anonymous";
  status: "pending" | "issued";
  /** signing: {"secret": hex}; anonymous: the request's secrets while pending, the credential once issued. */
  secret: JSONValue;
  /** what the registrar sees: the Ed25519 public key, or the blinded commitment (hex). */
  public: string;
  relayCode?: string;
  relayCheck?: string; // voting/relay.py request_check of what was posted: the registrar reads it out
  issuance?: number; // the credential.issued entry, once seen on the log
  createdAt: number;
}

export interface StoredReceipt {
  id?: number;
  electionId: string;
  receipt: JSONObject; // exactly the CLI's receipt file ({"type": "linli-receipt", ...}): `linli voter check-receipt` reads it
  code: string;
  castAt: number;
  replaces?: number;
}

export interface PendingCast {
  electionId: string;
  ballot: Uint8Array;
  code: string;
  replaces?: number;
  createdAt: number;
}

export interface SpoiledBallot {
  id?: number;
  electionId: string;
  code: string;
  audit: string; // the audit file's text (ballot and its opening)
  at: number;
}

interface BoothDB extends DBSchema {
  elections: { key: string; value: PinnedElection };
  credentials: { key: string; value: StoredCredential };
  receipts: { key: number; value: StoredReceipt; indexes: { election: string } };
  pending: { key: string; value: PendingCast };
  spoiled: { key: number; value: SpoiledBallot; indexes: { election: string } };
}

let db: Promise<IDBPDatabase<BoothDB>> | undefined;

function open(): Promise<IDBPDatabase<BoothDB>> {
  db ??= openDB<BoothDB>("linli-booth", 1, {
    upgrade(d) {
      d.createObjectStore("elections", { keyPath: "electionId" });
      d.createObjectStore("credentials", { keyPath: "electionId" });
      d.createObjectStore("receipts", { keyPath: "id", autoIncrement: true }).createIndex("election", "electionId");
      d.createObjectStore("pending", { keyPath: "electionId" });
      d.createObjectStore("spoiled", { keyPath: "id", autoIncrement: true }).createIndex("election", "electionId");
    },
  });
  return db;
}

/** Ask the browser not to evict the booth's data under storage pressure (best effort; no prompt in most browsers). */
export async function persist(): Promise<void> {
  try {
    await navigator.storage?.persist?.();
  } catch {
    // not granted: the data stays, only without the guarantee; the backup covers the credential
  }
}

export const elections = {
  get: async (id: string) => (await open()).get("elections", id),
  put: async (e: PinnedElection) => void (await (await open()).put("elections", e)),
  all: async () => (await (await open()).getAll("elections")).sort((a, b) => b.openedAt - a.openedAt),
};

export const credentials = {
  get: async (id: string) => (await open()).get("credentials", id),
  put: async (c: StoredCredential) => void (await (await open()).put("credentials", c)),
};

export const receipts = {
  of: async (id: string) => (await open()).getAllFromIndex("receipts", "election", id),
  add: async (r: StoredReceipt) => (await open()).add("receipts", r),
};

export const pending = {
  get: async (id: string) => (await open()).get("pending", id),
  put: async (p: PendingCast) => void (await (await open()).put("pending", p)),
  drop: async (id: string) => void (await (await open()).delete("pending", id)),
  /** The cast finished: its receipt is kept and the pending ballot dropped, in one transaction. */
  async done(id: string, r: StoredReceipt): Promise<number> {
    const tx = (await open()).transaction(["receipts", "pending"], "readwrite");
    const key = await tx.objectStore("receipts").add(r);
    await tx.objectStore("pending").delete(id);
    await tx.done;
    return key;
  },
};

export const spoiled = {
  add: async (s: SpoiledBallot) => (await open()).add("spoiled", s),
  of: async (id: string) => (await open()).getAllFromIndex("spoiled", "election", id),
};
