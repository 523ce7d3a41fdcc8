import type { ClaimRule } from '../../contract/trust.js';

/**
 * Claim rules of a trust domain, as Vault's bound_claims: every rule must hold (AND), and a rule with
 * a list of values holds when the claim matches any of them (OR). A claim is named directly
 * (`repository_id`) or by a JSON pointer into nested claims (`/a/b`, RFC 6901).
 */

/** The value of a claim by name or JSON pointer; undefined when absent. Own properties only. */
export function claimValue(claims: Readonly<Record<string, unknown>>, claim: string): unknown {
  if (!claim.startsWith('/')) return Object.hasOwn(claims, claim) ? claims[claim] : undefined;
  let cur: unknown = claims;
  for (const raw of claim.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^(0|[1-9][0-9]*)$/.test(key)) cur = cur[Number(key)];
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, key)) cur = (cur as Record<string, unknown>)[key];
    else return undefined;
  }
  return cur;
}

/** `*` matches any run of characters (slashes included); everything else matches itself. */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return re.test(text);
}

function matchOne(operator: ClaimRule['operator'], expected: string, actual: string): boolean {
  if (operator === 'Equals') return actual === expected;
  if (operator === 'StartsWith') return actual.startsWith(expected);
  return globMatch(expected, actual);
}

/** Strings, numbers and booleans compare as text; a list claim matches when any element does. */
function scalars(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  if (Array.isArray(v)) return v.flatMap((x) => (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? [String(x)] : []));
  return [];
}

export function ruleHolds(rule: ClaimRule, claims: Readonly<Record<string, unknown>>): boolean {
  const actual = scalars(claimValue(claims, rule.claim));
  const expected = typeof rule.value === 'string' ? [rule.value] : rule.value;
  return actual.some((a) => expected.some((e) => matchOne(rule.operator, e, a)));
}

/** The first rule that does not hold (its claim is what the refusal names), or null when all hold. */
export function firstFailingRule(rules: readonly ClaimRule[], claims: Readonly<Record<string, unknown>>): ClaimRule | null {
  return rules.find((r) => !ruleHolds(r, claims)) ?? null;
}
