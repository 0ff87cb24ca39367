import { describe, expect, it } from 'vitest';
import { fixityRound } from '../../functions/core/fixity.ts';

describe('the originals a fixity run re-hashes', () => {
  it('takes a full sample after the cursor and ends on its last key', () => {
    expect(fixityRound(2, 'a', ['b', 'c'], undefined)).toEqual({ keys: ['b', 'c'], cursor: 'c' });
  });

  it('wraps around to the beginning of the bucket, up to the previous cursor, and ends there', () => {
    expect(fixityRound(4, 'c', ['d'], ['a', 'b', 'c', 'd'])).toEqual({
      keys: ['d', 'a', 'b', 'c'],
      cursor: 'c',
    });
    expect(fixityRound(4, 'b', ['c', 'd'], ['a', 'b'])).toEqual({ keys: ['c', 'd', 'a', 'b'], cursor: 'b' });
  });

  it('never takes a key twice nor one past the previous cursor', () => {
    expect(fixityRound(5, 'b', ['c'], ['a', 'b', 'c'])).toEqual({ keys: ['c', 'a', 'b'], cursor: 'b' });
  });

  it('starts the next round from the beginning when this one ends at the end of the bucket', () => {
    // The first run (no cursor) over a bucket smaller than the sample.
    expect(fixityRound(5, undefined, ['a', 'b'], undefined)).toEqual({ keys: ['a', 'b'] });
    // An empty bucket.
    expect(fixityRound(5, 'c', [], [])).toEqual({ keys: [] });
  });
});
