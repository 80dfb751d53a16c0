/** Generation numbers over a commit graph given in any order (core/commit-generation.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generationsOf } from '../../src/core/commit-generation.js';

const c = (sha: string, ...parents: string[]) => ({ sha, parents });

describe('generationsOf', () => {
  test('a root is 1, a commit 1 + its highest parent, whatever order the commits come in', () => {
    // a - b - c - m - e
    //  \         /
    //   x ------
    const graph = [c('a'), c('b', 'a'), c('c', 'b'), c('x', 'a'), c('m', 'c', 'x'), c('e', 'm')];
    const expected = new Map([
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['x', 2],
      ['m', 4],
      ['e', 5],
    ]);
    assert.deepEqual(new Map([...generationsOf(graph, new Map())].sort()), new Map([...expected].sort()));
    const reversed = generationsOf([...graph].reverse(), new Map());
    assert.deepEqual(new Map([...reversed].sort()), new Map([...expected].sort()));
  });

  test('parents known from before count; a commit behind a missing parent gets none, nor do its descendants', () => {
    const told = generationsOf(
      [c('d', 'c'), c('e', 'd'), c('f', 'gap'), c('g', 'f', 'e')],
      new Map([['c', 7]]),
    );
    assert.deepEqual([...told].sort(), [
      ['d', 8],
      ['e', 9],
    ]);
  });

  test('a cycle (a forged history) and a commit its own parent get none, and the walk ends', () => {
    assert.deepEqual(
      [...generationsOf([c('p', 'q'), c('q', 'p'), c('s', 's'), c('r')], new Map())],
      [['r', 1]],
    );
  });

  test('a commit listed twice, or naming a parent twice, is counted once', () => {
    const told = generationsOf([c('a'), c('a'), c('b', 'a', 'a')], new Map());
    assert.deepEqual([...told].sort(), [
      ['a', 1],
      ['b', 2],
    ]);
  });
});
