import { describe, expect, it } from 'vitest';
import { claimValue, firstFailingRule, globMatch, ruleHolds } from './claim-rules.js';

const github = {
  sub: 'repo:acme@1001/api@2002:ref:refs/heads/main',
  repository: 'acme/api',
  repository_id: '2002',
  repository_owner_id: '1001',
  ref: 'refs/heads/main',
  run_attempt: 1,
  groups: ['ops', 'dev'],
  nested: { a: { 'b/c': 'slash', 'd~e': 'tilde' }, list: ['x', 'y'] },
};

describe('claim rules', () => {
  it('a rule list is AND, a value list inside one rule is OR', () => {
    const rules = [
      { claim: 'repository_owner_id', operator: 'Equals' as const, value: '1001' },
      { claim: 'ref', operator: 'Equals' as const, value: ['refs/heads/release', 'refs/heads/main'] },
    ];
    expect(firstFailingRule(rules, github)).toBeNull();
    expect(firstFailingRule([...rules, { claim: 'repository_id', operator: 'Equals', value: '9' }], github)?.claim).toBe('repository_id');
  });

  it('Equals, StartsWith and Glob over both GitHub sub shapes', () => {
    const old = { sub: 'repo:acme/api:ref:refs/heads/main' };
    expect(ruleHolds({ claim: 'sub', operator: 'StartsWith', value: 'repo:acme/api:' }, old)).toBe(true);
    expect(ruleHolds({ claim: 'sub', operator: 'StartsWith', value: 'repo:acme/api:' }, github)).toBe(false);
    expect(ruleHolds({ claim: 'sub', operator: 'Glob', value: 'repo:acme@1001/api@2002:*' }, github)).toBe(true);
    expect(ruleHolds({ claim: 'sub', operator: 'Glob', value: 'repo:acme*/api*:ref:refs/heads/main' }, github)).toBe(true);
    expect(ruleHolds({ claim: 'sub', operator: 'Glob', value: 'repo:acme*/api*:ref:refs/heads/main' }, old)).toBe(true);
    expect(ruleHolds({ claim: 'sub', operator: 'Glob', value: 'repo:acme/*:pull_request' }, old)).toBe(false);
  });

  it('nested claims by JSON pointer (with ~1 and ~0 escapes), list claims, numbers as text; a missing claim never matches', () => {
    expect(claimValue(github, '/nested/a/b~1c')).toBe('slash');
    expect(claimValue(github, '/nested/a/d~0e')).toBe('tilde');
    expect(claimValue(github, '/nested/list/1')).toBe('y');
    expect(claimValue(github, '/nested/__proto__')).toBeUndefined();
    expect(claimValue(github, 'constructor')).toBeUndefined();
    expect(ruleHolds({ claim: 'groups', operator: 'Equals', value: 'ops' }, github)).toBe(true);
    expect(ruleHolds({ claim: 'run_attempt', operator: 'Equals', value: '1' }, github)).toBe(true);
    expect(ruleHolds({ claim: 'environment', operator: 'Glob', value: '*' }, github)).toBe(false);
    expect(ruleHolds({ claim: '/nested', operator: 'Glob', value: '*' }, github)).toBe(false);
  });

  it('glob metacharacters other than * are literal', () => {
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('a?(b)', 'a?(b)')).toBe(true);
    expect(globMatch('*', 'multi\nline')).toBe(true);
  });
});
