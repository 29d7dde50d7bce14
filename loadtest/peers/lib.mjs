// Timing shared by the peer benchmarks: rounds of `iterations` awaited calls,
// reported as the median ns per call over the rounds (as the hookd
// benchmarks report medians).
export const INPUT = new TextEncoder().encode(
  "The quick brown fox jumps over the lazy dog; pack my box with five!",
).slice(0, 64);

// Wall time and this process's CPU time (user + system, all threads) per
// call: on a loaded machine the CPU figure is the one to compare with
// Google Benchmark's CPU column.
export async function measure(name, call, { rounds = Number(process.env.PEER_ROUNDS ?? 15), iterations = Number(process.env.PEER_ITERATIONS ?? 20000), warmup = iterations } = {}) {
  for (let i = 0; i < warmup; i++) await call();
  const wall = [];
  const cpu = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < iterations; i++) await call();
    const used = process.cpuUsage(cpuStart);
    wall.push(Number(process.hrtime.bigint() - start) / iterations);
    cpu.push(((used.user + used.system) * 1000) / iterations);
  }
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`${name.padEnd(34)} ${median(wall).toFixed(0).padStart(8)} ns/call wall, ${median(cpu).toFixed(0).padStart(8)} ns/call CPU (median of ${rounds} x ${iterations})`);
  return median(cpu);
}

export function check(what, got, want) {
  if (got !== want) {
    console.error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    process.exit(1);
  }
}
