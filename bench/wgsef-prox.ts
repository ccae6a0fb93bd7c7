// Times the exact WGSEF prox for m = 10^3 … 10^6 groups and prints time/(m·log2 m); nothing is
// asserted. Run: npx tsc -p . && node dist/bench/wgsef-prox.js
import { performance } from 'node:perf_hooks';
import { createRng } from '../search/index.js';
import { envelopePenalty, groupLassoPenalty, proxSquaredKSupport } from '../evaluators/methods/wgsef/index.js';

interface Row { case: string; m: number; k: number; ms: number; nsPerMLogM: number }

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => unknown, repeats: number): number {
  fn(); // warm-up (JIT)
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const rng = createRng(1);
const rows: Row[] = [];
for (const m of [1e3, 1e4, 1e5, 1e6]) {
  const v = Float64Array.from({ length: m }, () => rng.normal());
  const norms = Float64Array.from(v, Math.abs);
  const weights = Float64Array.from({ length: m }, () => 0.5 + rng.next());
  const k = Math.max(1, Math.round(m / 10));
  const repeats = m >= 1e6 ? 3 : 7;
  const cases: [string, () => unknown][] = [
    ['prox (λ/2)‖·‖²_sp, unit weights', () => proxSquaredKSupport(v, k, 0.5)],
    ['group envelope prox, weighted', () => envelopePenalty.scales(norms, k, 0.5, weights)],
    ['group lasso prox (control)', () => groupLassoPenalty.scales(norms, k, 0.5, weights)],
    ['reference: Float64Array sort of m', () => Float64Array.from(v).sort()],
  ];
  for (const [name, fn] of cases) {
    const ms = time(fn, repeats);
    rows.push({ case: name, m, k, ms: Number(ms.toFixed(3)), nsPerMLogM: Number(((ms * 1e6) / (m * Math.log2(m))).toFixed(2)) });
  }
}
console.log(`node ${process.version}, ${rows.length} timings (median of 3–7 runs after a warm-up)`);
console.table(rows);
