// The dashboard's price-axis ticks (niceTicks in src/api/dashboard.html), run under node:
// round steps of 1, 2, 2.5 or 5 x 10^n, at most the asked number of ticks, starting at or
// below the lowest price. Usage: node dashboard_ticks_test.js path/to/dashboard.html
"use strict";
const fs = require("fs");
const assert = require("assert");

const html = fs.readFileSync(process.argv[2], "utf8");
const m = html.match(/^function niceTicks\([\s\S]*?^}$/m);
assert(m, "niceTicks not found in the dashboard");
const niceTicks = new Function(m[0] + "\nreturn niceTicks;")();

const cases = [
  // [lo, hi, maxCount, expected ticks]
  [0, 26.95, 6, [0, 5, 10, 15, 20, 25]],   // Go: 8.5p and 24.5p, axis to 24.5 x 1.1
  [0, 11, 6, [0, 2, 4, 6, 8, 10]],         // only the 10p floor of the axis
  [0, 11, 4, [0, 5, 10]],
  [-8.82, 38.5, 6, [-10, 0, 10, 20, 30]],  // Agile with negative prices
  [0, 110, 6, [0, 20, 40, 60, 80, 100]],
  [0, 0.9, 6, [0, 0.2, 0.4, 0.6, 0.8]],
];
let failed = 0;
for (const [lo, hi, n, want] of cases) {
  const got = niceTicks(lo, hi, n);
  try {
    assert.deepStrictEqual(got.ticks, want);
    assert.strictEqual(got.lo, want[0]);
  } catch (e) {
    failed++;
    console.error(`niceTicks(${lo}, ${hi}, ${n}) = ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}
// Any range: round steps, at most maxCount ticks, the first at or below lo, the last within
// one step of hi.
for (let i = 0; i < 2000; i++) {
  const lo = -Math.random() * Math.pow(10, Math.random() * 3);
  const hi = lo + Math.pow(10, Math.random() * 4 - 1);
  const n = 3 + (i % 6);
  const { step, ticks } = niceTicks(lo, hi, n);
  const mant = step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
  const ok = [1, 2, 2.5, 5].some((x) => Math.abs(mant - x) < 1e-6) && ticks.length <= n &&
             ticks.length >= 2 && ticks[0] <= lo + 1e-9 && ticks[0] > lo - step - 1e-9 &&
             ticks[ticks.length - 1] <= hi + 1e-9 && ticks[ticks.length - 1] > hi - step - 1e-6;
  if (!ok) {
    failed++;
    console.error(`niceTicks(${lo}, ${hi}, ${n}) = ${JSON.stringify({ step, ticks })}`);
    if (failed > 10) break;
  }
}
if (failed) {
  console.error(`${failed} failure(s)`);
  process.exit(1);
}
console.log("niceTicks: all cases pass");
