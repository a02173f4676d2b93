/**
 * Golden cases are data: `tests/golden/<type>/<case>/input.json` is a renderer's input and
 * `expected` its exact output. A new case is a new folder; each type has one loop.
 */
import fs from 'node:fs';
import path from 'node:path';

export const GOLDEN_ROOT = path.resolve('tests/golden');

export interface GoldenCase<T> {
  name: string;
  input: T;
  /** The expected output's path, for toMatchFileSnapshot. */
  expected: string;
}

export function goldenCases<T>(type: string): GoldenCase<T>[] {
  const dir = path.join(GOLDEN_ROOT, type);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      input: JSON.parse(fs.readFileSync(path.join(dir, name, 'input.json'), 'utf8')) as T,
      expected: path.join(dir, name, 'expected'),
    }));
}

/** The inputs of one type by case name: what the real-tool checks feed the daemons. */
export function goldenInputs<T>(type: string): Record<string, T> {
  return Object.fromEntries(goldenCases<T>(type).map((c) => [c.name, c.input]));
}
