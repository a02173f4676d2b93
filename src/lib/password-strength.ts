/**
 * How guessable a new password is, by zxcvbn-ts (dictionaries of common passwords, words,
 * names, keyboard patterns). The dictionaries are large, so they load on first use: in the
 * browser only on the pages that set a password.
 */
export interface Strength {
  /** 0 (guessed at once) to 4 (very hard). */
  score: 0 | 1 | 2 | 3 | 4;
  warning: string | null;
  suggestions: string[];
}

/** The least a new admin or portal password must reach. */
export const MIN_SCORE = 3;

export const STRENGTH_LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

type Check = (password: string, userInputs: string[]) => Strength;
let loading: Promise<Check> | null = null;

function load(): Promise<Check> {
  loading ??= Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]).then(([core, common, en]) => {
    const factory = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
    return (password, userInputs) => {
      // Past 100 characters the estimate only gets slower, not different.
      const r = factory.check(password.slice(0, 100), userInputs);
      return { score: r.score, warning: r.feedback.warning, suggestions: r.feedback.suggestions };
    };
  });
  return loading;
}

/** `userInputs`: words the person's own context makes easy to guess (the username, the cell's name). */
export async function passwordStrength(password: string, userInputs: string[] = []): Promise<Strength> {
  return (await load())(password, userInputs.filter(Boolean));
}

/** Why a password is too easy to guess, in a sentence; null when it is strong enough. */
export function weakness(s: Strength): string | null {
  if (s.score >= MIN_SCORE) return null;
  return ['Too easy to guess', s.warning?.replace(/\.$/, ''), s.suggestions[0]?.replace(/\.$/, '')]
    .filter(Boolean)
    .join(': ')
    .concat('.');
}
