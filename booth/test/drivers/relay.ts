// tests/booth/test_relay_interop.py: the phone's side of the credential relay (src/app/relay.ts) on Python's bytes.
import { fromHex, toHex } from "../../src/crypto/bytes.ts";
import { openIssuance, parseCode, relayRequest, requestCheck } from "../../src/app/relay.ts";
import { attempt, serve } from "./io.ts";

interface Input {
  requests: { election: string; mode: "signing" | "anonymous"; public: string }[];
  checks: string[];
  codes: string[];
  issuances: { data: string; election: string; election_hash: string; code: string; registrar_key: string }[];
}

serve((input: Input) => ({
  requests: input.requests.map((r) => {
    const data = relayRequest(r.election, r.mode, fromHex(r.public));
    return { bytes: toHex(data), check: requestCheck(data) };
  }),
  checks: input.checks.map((hex) => requestCheck(fromHex(hex))),
  codes: input.codes.map((c) => attempt(() => parseCode(c))),
  issuances: input.issuances.map((i) =>
    attempt(() =>
      openIssuance(fromHex(i.data), {
        electionId: i.election,
        electionHash: fromHex(i.election_hash),
        code: i.code,
        registrarKey: fromHex(i.registrar_key),
      }),
    ),
  ),
}));
