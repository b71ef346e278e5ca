// The booth's connection to `linli serve`: Connect (binary protobuf) over fetch, the service from the one .proto
// (src/gen/linli_pb.ts). Failures become EngineError: "unreachable" when no answer came back (the network, the
// server gone, a proxy's 502/503: retrying may help), "rejected" with the server's status otherwise.
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Linli } from "../gen/linli_pb.ts";
import { EngineError } from "./types.ts";

export type LinliClient = Client<typeof Linli>;

const clients = new Map<string, LinliClient>();

export function client(base: string): LinliClient {
  let c = clients.get(base);
  if (!c) {
    c = createClient(Linli, createConnectTransport({ baseUrl: base, useBinaryFormat: true }));
    clients.set(base, c);
  }
  return c;
}

const UNREACHABLE = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled]);

/** Run one RPC; a network failure is "unreachable", a status from the server "rejected" (its code kept). */
export async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ConnectError) {
      // fetch itself failed (connection refused or reset, no network): connect-web reports Unknown with the cause
      const network = e.code === Code.Unknown && e.cause instanceof TypeError;
      if (network || UNREACHABLE.has(e.code)) throw new EngineError("unreachable", `${what}: the server cannot be reached (${e.rawMessage})`);
      throw new EngineError("rejected", `${what}: ${e.rawMessage}`, Code[e.code]);
    }
    if (e instanceof TypeError) throw new EngineError("unreachable", `${what}: the server cannot be reached (${e.message})`);
    throw e;
  }
}
