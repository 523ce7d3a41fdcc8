import { describe, expect, it } from 'vitest';
import { dotenvValue, formatForPath, render } from './pull.js';

describe('pull formats', () => {
  it('writes dotenv values in single quotes so $ and # stay literal', () => {
    expect(dotenvValue('p@ss $HOME #x')).toBe("'p@ss $HOME #x'");
  });

  it('switches to escaped double quotes for single quotes and line breaks', () => {
    expect(dotenvValue("it's\nmulti\\line \"q\" $X")).toBe('"it\'s\\nmulti\\\\line \\"q\\" \\$X"');
  });

  it('sorts keys and renders json and yaml that parse back to the same map', () => {
    const secrets = { B: 'two: "x"\n', A: 'ünï' };
    expect(JSON.parse(render('json', secrets))).toEqual({ A: 'ünï', B: 'two: "x"\n' });
    expect(render('yaml', secrets)).toBe('"A": "ünï"\n"B": "two: \\"x\\"\\n"\n');
    expect(render('dotenv', secrets).split('\n')[0]).toBe("A='ünï'");
    expect(render('yaml', {})).toBe('{}\n');
  });

  it('picks the file format from the extension', () => {
    expect(formatForPath('x/secrets.JSON')).toBe('json');
    expect(formatForPath('a.yml')).toBe('yaml');
    expect(formatForPath('.env.local')).toBe('dotenv');
  });
});
