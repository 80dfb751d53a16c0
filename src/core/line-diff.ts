/**
 * Myers' O((N+M)D) difference algorithm ("An O(ND) Difference Algorithm and Its
 * Variations", 1986) over arrays of line keys. Returns, for every line of `b`, the index
 * of the line of `a` it is matched to, or -1 for an inserted line. Edits made by agents and
 * people are small against the file, so D stays small and this stays fast on big files.
 */
export function matchLines(a: readonly string[], b: readonly string[]): Int32Array {
  const result = new Int32Array(b.length).fill(-1);
  // Common prefix and suffix first: most edits touch a few lines in the middle.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    result[start] = start;
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
    result[endB] = endA;
  }
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0) return result;
  const max = n + m;
  const offset = max;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[start + x] === b[start + y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace back from (n, m), recording the diagonal (matched) moves.
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d]!;
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!)) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK]!;
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      result[start + y] = start + x;
    }
    x = prevX;
    y = prevY;
  }
  return result;
}
