/** `1 commit`, `2 commits`, `1,024 records`: how every count shown to people is worded. */
export function countLabel(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
