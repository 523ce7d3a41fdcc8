import { describe, expect, it } from 'vitest';
import { edgeRoot, EMPTY_EDGE, extend, packFrontier, unpackFrontier } from './compact.js';
import { EMPTY_ROOT, leafHash } from './hash.js';
import {
  consistencyRanges, inclusionRanges, nodesFor, rangeProofRanges, rootFromRange, rootOf, subtreeHash, verifyConsistency, verifyInclusion,
} from './merkle.js';

const h = (s: string) => Buffer.from(s, 'hex');
// RFC 6962 test data (as in transparency-dev/merkle testonly/constants.go): leaf inputs, roots by size.
const INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(h);
const LEAVES = INPUTS.map((d) => leafHash(d));

/** A tree kept as the server keeps it: every complete node in a map, the edge beside it. */
function storedTree(leaves: readonly Buffer[]) {
  const nodes = new Map<string, Buffer>();
  let edge = EMPTY_EDGE;
  for (const l of leaves) {
    const r = extend(edge, [l]);
    edge = r.edge;
    for (const n of r.nodes) nodes.set(`${n.key[0]}/${n.key[1]}`, n.hash);
  }
  const get = (level: number, index: number) => {
    const v = nodes.get(`${level}/${index}`);
    if (!v) throw new Error(`node ${level}/${index} not stored`);
    return v;
  };
  const proof = (ranges: readonly (readonly [number, number])[]) => ranges.map(([lo, hi]) => subtreeHash(lo, hi, get));
  return { nodes, edge, get, proof };
}

describe('the RFC 6962 Merkle tree', () => {
  it('gives the RFC 6962 roots for the test inputs, from scratch and from the stored edge', () => {
    expect(rootOf([])).toEqual(EMPTY_ROOT);
    for (let n = 0; n <= 8; n++) {
      expect(rootOf(LEAVES.slice(0, n)).toString('hex')).toBe(ROOTS[n]?.toString('hex'));
      expect(edgeRoot(storedTree(LEAVES.slice(0, n)).edge).toString('hex')).toBe(ROOTS[n]?.toString('hex'));
    }
  });

  it('stores the known complete-subtree hashes (level 1 and 2 of the 8-leaf tree)', () => {
    const t = storedTree(LEAVES);
    expect(t.get(1, 2).toString('hex')).toBe('0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a');
    expect(t.get(2, 1).toString('hex')).toBe('6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4');
    expect(t.edge.frontier).toHaveLength(1);
    expect(unpackFrontier(7, packFrontier(storedTree(LEAVES.slice(0, 7)).edge.frontier))).toHaveLength(3);
  });

  it('builds and checks the known inclusion proofs', () => {
    const t = storedTree(LEAVES);
    const cases: [number, number, string[]][] = [
      [0, 1, []],
      [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
      [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
      [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
      [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
    ];
    for (const [m, n, want] of cases) {
      const p = t.proof(inclusionRanges(m, n));
      expect(p.map((x) => x.toString('hex'))).toEqual(want);
      expect(verifyInclusion(m, n, LEAVES[m] as Buffer, p, ROOTS[n] as Buffer)).toBe(true);
      // Wrong leaf, wrong index, wrong size, a truncated or extended proof: refused.
      expect(verifyInclusion(m, n, LEAVES[(m + 1) % 8] as Buffer, p, ROOTS[n] as Buffer)).toBe(false);
      if (n > 1) expect(verifyInclusion(m === 0 ? 1 : 0, n, LEAVES[m] as Buffer, p, ROOTS[n] as Buffer)).toBe(false);
      if (p.length > 0) expect(verifyInclusion(m, n, LEAVES[m] as Buffer, p.slice(1), ROOTS[n] as Buffer)).toBe(false);
      expect(verifyInclusion(m, n, LEAVES[m] as Buffer, [...p, EMPTY_ROOT], ROOTS[n] as Buffer)).toBe(false);
    }
    expect(verifyInclusion(8, 8, LEAVES[0] as Buffer, [], ROOTS[8] as Buffer)).toBe(false);
  });

  it('builds and checks the known consistency proofs', () => {
    const t = storedTree(LEAVES);
    const cases: [number, number, string[]][] = [
      [1, 1, []],
      [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
      [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
      [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
    ];
    for (const [m, n, want] of cases) {
      const p = t.proof(consistencyRanges(m, n));
      expect(p.map((x) => x.toString('hex'))).toEqual(want);
      expect(verifyConsistency(m, n, p, ROOTS[m] as Buffer, ROOTS[n] as Buffer)).toBe(true);
      if (m !== n) {
        expect(verifyConsistency(m, n, p, ROOTS[m - 1] as Buffer, ROOTS[n] as Buffer)).toBe(false);
        expect(verifyConsistency(m, n, p, ROOTS[m] as Buffer, ROOTS[n - 1] as Buffer)).toBe(false);
        expect(verifyConsistency(m, n, p.slice(0, -1), ROOTS[m] as Buffer, ROOTS[n] as Buffer)).toBe(false);
        expect(verifyConsistency(m, n, [], ROOTS[m] as Buffer, ROOTS[n] as Buffer)).toBe(false);
      }
    }
    expect(verifyConsistency(3, 3, [], ROOTS[3] as Buffer, ROOTS[4] as Buffer)).toBe(false);
    expect(verifyConsistency(5, 4, [], ROOTS[5] as Buffer, ROOTS[4] as Buffer)).toBe(false);
  });

  it('agrees with the from-scratch tree for every proof of every size up to 70', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
    const t = storedTree(leaves);
    for (let n = 1; n <= 70; n++) {
      const root = rootOf(leaves.slice(0, n));
      for (let m = 0; m < n; m++) expect(verifyInclusion(m, n, leaves[m] as Buffer, t.proof(inclusionRanges(m, n)), root)).toBe(true);
      for (let m = 1; m <= n; m++) expect(verifyConsistency(m, n, t.proof(consistencyRanges(m, n)), rootOf(leaves.slice(0, m)), root)).toBe(true);
      for (let a = 0; a < n; a += 7) {
        for (let b = a + 1; b <= n; b += 5) {
          const proof = t.proof(rangeProofRanges(a, b, n));
          expect(rootFromRange(leaves.slice(a, b), a, n, proof)).toEqual(root);
          // One leaf edited: another root.
          const edited = leaves.slice(a, b);
          edited[0] = leafHash(Buffer.from('forged'));
          expect(rootFromRange(edited, a, n, proof)).not.toEqual(root);
        }
      }
    }
  });

  it('reads at most about 2·log2(n) stored nodes for a proof', () => {
    const keys = nodesFor(inclusionRanges(1_000_000, 1_234_567));
    expect(keys.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(1_234_567)));
  });
});
