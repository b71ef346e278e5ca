// Ballot building in Node at full size (issue 10 item 5; docs/protocol.md §P6.7): prints JSON.
//   cd booth && npx tsx bench/ballot_bench.ts [--modulus-bits 3072] [--repeat 3]
// The same in headless Chromium: node bench/ballot_bench_chromium.mjs [--modulus-bits 3072] [--repeat 3].
// The targets are for headless Chromium: precomputation < 3 s, committee 10 / 3 built < 700 ms after
// precomputation, referendum < 200 ms.
import { benchBallots } from "./ballot_bench_core.ts";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const out = { runtime: `node ${process.version}`, ...benchBallots(arg("--modulus-bits", 3072), arg("--repeat", 3)) };
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
