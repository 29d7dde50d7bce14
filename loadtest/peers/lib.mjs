// Timing shared by the peer benchmarks: rounds of `iterations` awaited calls,
// reported as the median ns per call over the rounds (as the hookd
// benchmarks report medians).
export const INPUT = new TextEncoder().encode(
  "The quick brown fox jumps over the lazy dog; pack my box with five!",
).slice(0, 64);

export async function measure(name, call, { rounds = Number(process.env.PEER_ROUNDS ?? 15), iterations = Number(process.env.PEER_ITERATIONS ?? 20000), warmup = iterations } = {}) {
  for (let i = 0; i < warmup; i++) await call();
  const perCall = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await call();
    perCall.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  perCall.sort((a, b) => a - b);
  const median = perCall[Math.floor(perCall.length / 2)];
  console.log(`${name.padEnd(34)} ${median.toFixed(0).padStart(8)} ns/call (median of ${rounds} x ${iterations})`);
  return median;
}

export function check(what, got, want) {
  if (got !== want) {
    console.error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    process.exit(1);
  }
}
