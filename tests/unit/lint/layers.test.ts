import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: path.resolve('.') });

/** The rule ids ESLint reports for this text, linted as if it were the file at `filePath`. */
async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('lint keeps the layers', () => {
  it('a renderer may not do I/O', async () => {
    expect(
      await ruleIds(
        'src/server/managers/ntp/render.ts',
        "import fs from 'node:fs';\nexport const leak = fs.existsSync;\n",
      ),
    ).toContain('no-restricted-imports');
  });

  it('a manager reaches another only through its index.ts, and never the environment', async () => {
    expect(
      await ruleIds(
        'src/server/managers/ntp/x.ts',
        "import { planOf } from '../wireguard/model';\nexport const p = planOf;\n",
      ),
    ).toContain('no-restricted-imports');
    expect(await ruleIds('src/server/managers/ntp/x.ts', 'export const v = process.env.PIC_X;\n')).toContain(
      'no-restricted-properties',
    );
  });

  it('the runtime never imports a manager', async () => {
    expect(
      await ruleIds(
        'src/server/runtime/x.ts',
        "import { applyNtp } from '../managers/ntp';\nexport const a = applyNtp;\n",
      ),
    ).toContain('import-x/no-restricted-paths');
  });

  it('what the layers allow passes', async () => {
    expect(
      await ruleIds(
        'src/server/managers/ntp/x.ts',
        "import { cellFacts } from '../cell';\nexport const f = cellFacts;\n",
      ),
    ).toEqual([]);
  });
});
